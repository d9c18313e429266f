package source

import (
	"bytes"
	"fmt"
	"io"
)

// ReaderAt returns opened content of size bytes (File.Size) as an
// io.ReaderAt, which event logs are read through: the content itself
// when it is one and its size is known (a file on disk, an entry stored
// in an archive), so that it is read in place; else its bytes read into
// memory, at most limit of them (an entry stored compressed).
func ReaderAt(rc io.Reader, size, limit int64) (io.ReaderAt, int64, error) {
	if ra, ok := rc.(io.ReaderAt); ok && size >= 0 {
		return ra, size, nil
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(b)) > limit {
		return nil, 0, fmt.Errorf("event log larger than %d bytes in memory", limit)
	}
	return bytes.NewReader(b), int64(len(b)), nil
}
