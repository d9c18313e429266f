// Package scan turns the project's Scanner-style readers (Scan, a value
// accessor, Err — the bufio.Scanner shape) into range-over-func iterators.
package scan

import "iter"

// A Scanner is what Seq2 needs of a reader: Scan advances, Err reports the
// error that stopped it.
type Scanner interface {
	Scan() bool
	Err() error
}

// Seq2 returns an iterator over the values of s, read with value after
// each successful Scan. The first read error is yielded last, with the
// zero value; a caller that stops early stops the scanning.
func Seq2[T any](s Scanner, value func() T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for s.Scan() {
			if !yield(value(), nil) {
				return
			}
		}
		if err := s.Err(); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}
