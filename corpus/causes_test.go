package corpus_test

import (
	"slices"
	"testing"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/corpus"
)

// TestCauseLabels: the labels scenarios may use are the classifier's
// cause IDs, in the same order.
func TestCauseLabels(t *testing.T) {
	if !slices.Equal(corpus.CauseLabels, classify.Causes()) {
		t.Errorf("corpus cause labels %v, classify.Causes() %v", corpus.CauseLabels, classify.Causes())
	}
}
