package scan

import (
	"errors"
	"testing"
)

type fake struct {
	items []int
	i     int
	err   error
}

func (f *fake) Scan() bool { f.i++; return f.i <= len(f.items) }
func (f *fake) Err() error { return f.err }
func (f *fake) value() int { return f.items[f.i-1] }

func TestSeq2YieldsValuesThenTheError(t *testing.T) {
	boom := errors.New("boom")
	f := &fake{items: []int{1, 2, 3}, err: boom}
	var got []int
	var gotErr error
	for v, err := range Seq2(f, f.value) {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, v)
	}
	if len(got) != 3 || got[2] != 3 || gotErr != boom {
		t.Fatalf("got %v, %v", got, gotErr)
	}
}

func TestSeq2StopsEarly(t *testing.T) {
	f := &fake{items: []int{1, 2, 3}}
	for range Seq2(f, f.value) {
		break
	}
	if f.i != 1 {
		t.Fatalf("scanned %d items after a break", f.i)
	}
}
