package textdec

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

type line struct {
	Num   int
	Text  string
	Split bool
}

func readAll(t *testing.T, src []byte, opts *Options) ([]line, *Reader) {
	t.Helper()
	r := NewReader(bytes.NewReader(src), opts)
	var out []line
	for r.Next() {
		out = append(out, line{r.LineNum(), string(r.Line()), r.Split()})
	}
	require.NoError(t, r.Err())
	return out, r
}

func texts(ls []line) []string {
	var s []string
	for _, l := range ls {
		s = append(s, l.Text)
	}
	return s
}

func utf16le(s string, bom bool) []byte {
	e := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder()
	b, _ := e.Bytes([]byte(s))
	if bom {
		b = append([]byte{0xFF, 0xFE}, b...)
	}
	return b
}

func TestLineEndings(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"lf", "a\nb\n", []string{"a", "b"}},
		{"bare cr", "a\rb\rc", []string{"a", "b", "c"}},
		{"mixed", "a\r\nb\nc\rd\r\n", []string{"a", "b", "c", "d"}},
		{"no final newline", "a\r\nb", []string{"a", "b"}},
		{"blank lines kept", "a\r\n\r\nb", []string{"a", "", "b"}},
		{"trailing cr at eof", "a\r", []string{"a"}},
		{"empty input", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := readAll(t, []byte(tt.in), nil)
			assert.Equal(t, tt.want, texts(got))
		})
	}
}

func TestLineNumbers(t *testing.T) {
	got, _ := readAll(t, []byte("a\r\nb\rc\n\nd"), nil)
	nums := []int{}
	for _, l := range got {
		nums = append(nums, l.Num)
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5}, nums)
}

func TestEncodingDetection(t *testing.T) {
	const text = "2024-01-09 10:00:00, Info                  CBS    Session: 1_2 initialized\r\nsecond\r\n"
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("パス C:\\ユーザー\\テスト\r\n"))
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("更新失败\r\n"))
	be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder()
	utf16be, _ := be.Bytes([]byte(text))
	tests := []struct {
		name     string
		in       []byte
		opts     *Options
		want     []string
		encoding string
		legacy   string
	}{
		{"utf-8 with bom", append([]byte("\xEF\xBB\xBF"), text...), nil, []string{text[:len(text)-10], "second"}, "utf-8-bom", ""},
		{"utf-8 without bom", []byte(text), nil, []string{text[:len(text)-10], "second"}, "utf-8", ""},
		{"utf-16le with bom", utf16le(text, true), nil, []string{text[:len(text)-10], "second"}, "utf-16le", ""},
		{"utf-16le without bom", utf16le(text, false), nil, []string{text[:len(text)-10], "second"}, "utf-16le", ""},
		{"utf-16be with bom", utf16be, nil, []string{text[:len(text)-10], "second"}, "utf-16be", ""},
		{"cp932 line in utf-8 log", append([]byte("ascii\r\n"), sjis...), nil, []string{"ascii", "パス C:\\ユーザー\\テスト"}, "utf-8", "cp932"},
		{"gbk when told to try it first", gbk, &Options{Legacy: []string{"gbk", "cp932"}}, []string{"更新失败"}, "utf-8", "gbk"},
		{"forced cp932", sjis, &Options{Encoding: "cp932"}, []string{"パス C:\\ユーザー\\テスト"}, "cp932", "cp932"},
		{"japanese utf-8 stays utf-8", []byte("セキュリティ インテリジェンス\n"), nil, []string{"セキュリティ インテリジェンス"}, "utf-8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := readAll(t, tt.in, tt.opts)
			assert.Equal(t, tt.want, texts(got))
			assert.Equal(t, tt.encoding, r.Encoding())
			assert.Equal(t, tt.legacy, r.Legacy())
		})
	}
}

func TestUnknownEncodingIsAnError(t *testing.T) {
	r := NewReader(strings.NewReader("x"), &Options{Encoding: "klingon"})
	assert.False(t, r.Next())
	assert.ErrorIs(t, r.Err(), ErrUnknownEncoding)
}

func TestLongLinesAreSplitNotFatal(t *testing.T) {
	long := strings.Repeat("é", 10) // 2 bytes each: a cut must not split a rune
	in := "short\n" + long + "\nafter\n"
	got, _ := readAll(t, []byte(in), &Options{MaxLine: 7})
	require.Equal(t, []line{
		{1, "short", false},
		{2, "ééé", true},
		{2, "ééé", true},
		{2, "ééé", true},
		{2, "é", false},
		{3, "after", false},
	}, got)
}

func TestDefaultMaxLineBoundsMemory(t *testing.T) {
	in := bytes.Repeat([]byte("x"), 3*DefaultMaxLine+5)
	got, r := readAll(t, in, nil)
	require.Len(t, got, 4)
	assert.True(t, got[0].Split)
	assert.False(t, got[3].Split)
	assert.Equal(t, 5, len(got[3].Text))
	assert.LessOrEqual(t, cap(r.buf), 4*DefaultMaxLine)
}

func TestSmallReads(t *testing.T) {
	in := append([]byte("\xEF\xBB\xBF"), "a\r\nbb\rccc\n"...)
	r := NewReader(iotest.OneByteReader(bytes.NewReader(in)), nil)
	var got []string
	for r.Next() {
		got = append(got, string(r.Line()))
	}
	require.NoError(t, r.Err())
	assert.Equal(t, []string{"a", "bb", "ccc"}, got)

	r = NewReader(iotest.OneByteReader(bytes.NewReader(utf16le("x\r\ny\r\n", true))), nil)
	got = nil
	for r.Next() {
		got = append(got, string(r.Line()))
	}
	require.NoError(t, r.Err())
	assert.Equal(t, []string{"x", "y"}, got)
}

func TestReadErrorIsReported(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom)), nil)
	var got []string
	for r.Next() {
		got = append(got, string(r.Line()))
	}
	assert.Equal(t, []string{"a", "b"}, got)
	assert.ErrorIs(t, r.Err(), boom)
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("a\r\nb\rc\n"), 0)
	f.Add(utf16le("x\r\ny", true), 5)
	f.Add([]byte("\xEF\xBB\xBF\x82\xa0\r"), 3)
	f.Add([]byte{0xff, 0xfe, 0x00}, 1)
	f.Fuzz(func(t *testing.T, in []byte, maxLine int) {
		opts := &Options{MaxLine: maxLine % 64}
		r := NewReader(bytes.NewReader(in), opts)
		prev := 0
		for r.Next() {
			if n := r.LineNum(); n < prev || n > prev+1 {
				t.Fatalf("line number went from %d to %d", prev, r.LineNum())
			}
			prev = r.LineNum()
			if bytes.ContainsAny(r.Line(), "\r\n") && r.Encoding() == "utf-8" {
				t.Fatalf("line holds a terminator: %q", r.Line())
			}
		}
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
	})
}
