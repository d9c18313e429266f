package cbslog

import (
	"strconv"
	"strings"
	"time"

	"github.com/wudiag/wudiag/codes"
)

// A StoreReport is the summary written by DISM /RestoreHealth,
// /ScanHealth or the System Update Readiness tool ("Checking System
// Update Readiness." … "Summary:" … "Total Detected Corruption: 9").
type StoreReport struct {
	Line        int
	Time        time.Time
	Operation   string // "Detect and Repair", "Detect", ...
	Result      codes.Code
	ResultKnown bool
	Detected    int            // Total Detected Corruption
	Repaired    int            // Total Repaired Corruption
	DetectedBy  map[string]int // per class: "CSI Payload Corruption": 9
	RepairedBy  map[string]int // per class: "CSI Payload Repaired": 9
	Items       []StoreItem
}

// Unrepaired reports whether the store still holds corruption after the
// operation: fewer repairs than detections, an unfixed item, or a failing
// result code.
func (r *StoreReport) Unrepaired() bool {
	if r.Detected > r.Repaired || (r.ResultKnown && r.Result.Failed()) {
		return true
	}
	for _, it := range r.Items {
		if !it.Fixed {
			return true
		}
	}
	return false
}

// A StoreItem is one "(p)" line of a store report.
type StoreItem struct {
	Line   int
	Class  string // "CSI Payload Corrupt", "CBS MUM Missing", ...
	Fixed  bool
	Path   string // component directory and file, or package
	Reason string // the follow-up line, e.g. "Repair failed: Missing replacement payload."
}

// storeLine reads the lines of a store report and reports whether line
// belonged to one.
func (s *Summary) storeLine(e *Entry, line string) bool {
	t := strings.TrimSpace(line)
	afterItem := s.afterItem
	s.afterItem = false
	switch {
	case t == "Checking System Update Readiness.":
		s.endStore()
		s.store = &StoreReport{Line: e.Line, Time: e.Time}
		s.storePart = 0
		return true
	case strings.HasPrefix(t, "(p)") || strings.HasPrefix(t, "(f)"):
		r := s.openStore(e)
		if len(r.Items) >= maxStoreItems {
			s.Dropped++
			return true
		}
		r.Items = append(r.Items, parseStoreItem(e.Line, t))
		s.afterItem = true
		return true
	case s.store == nil:
		if strings.HasPrefix(t, "Total Detected Corruption:") || t == "Summary:" {
			s.openStore(e)
			return s.storeLine(e, line)
		}
		return false
	case t == "Summary:":
		return true
	case strings.HasPrefix(t, "Operation: "):
		s.store.Operation = strings.Clone(strings.TrimSpace(t[len("Operation: "):]))
		return true
	case strings.HasPrefix(t, "Operation result: "):
		if c, err := codes.Parse(strings.TrimSpace(t[len("Operation result: "):])); err == nil {
			s.store.Result, s.store.ResultKnown = c, true
		}
		return true
	case strings.HasPrefix(t, "Last Successful Step:"), strings.HasPrefix(t, "Seconds executed:"):
		return true
	case strings.HasPrefix(t, "Total Detected Corruption:"):
		s.store.Detected = countAfterColon(t)
		s.storePart = 1
		return true
	case strings.HasPrefix(t, "Total Repaired Corruption:"):
		s.store.Repaired = countAfterColon(t)
		s.storePart = 2
		return true
	case strings.HasPrefix(t, "CSI Store Metadata refreshed:"):
		s.endStore()
		return true
	case s.storePart > 0 && strings.Count(t, ":") == 1 && isClassCount(t):
		name := strings.TrimSpace(t[:strings.IndexByte(t, ':')])
		m := &s.store.DetectedBy
		if s.storePart == 2 {
			m = &s.store.RepairedBy
		}
		if *m == nil {
			*m = make(map[string]int)
		}
		(*m)[strings.Clone(name)] = countAfterColon(t)
		return true
	case afterItem && t != "":
		// The reason written under an item ("Repair failed: Missing replacement payload.").
		it := &s.store.Items[len(s.store.Items)-1]
		if it.Reason == "" {
			it.Reason = strings.Clone(t)
		}
		return true
	}
	if s.storePart > 0 {
		s.endStore()
	}
	return false
}

func (s *Summary) openStore(e *Entry) *StoreReport {
	if s.store == nil {
		s.store = &StoreReport{Line: e.Line, Time: e.Time}
		s.storePart = 0
	}
	return s.store
}

func (s *Summary) endStore() {
	if s.store == nil {
		return
	}
	s.Store = append(s.Store, *s.store)
	s.store = nil
	s.storePart = 0
}

// parseStoreItem parses "(p)\tCSI Payload Corrupt\t(n)\t\t\tamd64_…\file.dll",
// "(p)\tCSI Payload Corrupt\t(w)\t(Fixed)\tamd64_…\MSFT_MpComputerStatus.cdxml"
// and the space-separated form of altered copies.
func parseStoreItem(line int, t string) StoreItem {
	it := StoreItem{Line: line}
	var fields []string
	if strings.Contains(t, "\t") {
		for f := range strings.SplitSeq(t, "\t") {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, f)
			}
		}
	} else {
		fields = splitRuns(t)
	}
	var class []string
	for i, f := range fields {
		switch {
		case i == 0:
		case strings.EqualFold(f, "(fixed)"):
			it.Fixed = true
		case strings.HasPrefix(f, "(") && strings.HasSuffix(f, ")") && len(f) <= 4:
		case i == len(fields)-1 && len(fields) > 2:
			it.Path = f
		default:
			if it.Path == "" {
				class = append(class, f)
			}
		}
	}
	it.Class = strings.Clone(strings.Join(class, " "))
	it.Path = strings.Clone(it.Path)
	return it
}

// splitRuns splits on runs of two or more spaces; single spaces stay
// inside fields ("CSI Payload Corrupt").
func splitRuns(t string) []string {
	var out []string
	for f := range strings.SplitSeq(t, "  ") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 1 {
		out = strings.Fields(t)
	}
	return out
}

func isClassCount(t string) bool {
	i := strings.IndexByte(t, ':')
	if i <= 0 {
		return false
	}
	_, err := strconv.Atoi(strings.TrimSpace(t[i+1:]))
	return err == nil
}

func countAfterColon(t string) int {
	_, after, ok := strings.Cut(t, ":")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(after))
	return n
}
