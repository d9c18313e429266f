package report

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/wudiag/wudiag/classify"
	"golang.org/x/text/language"
)

// SchemaVersion is the version of the JSON contract written by JSON.
// Fields may be added; none is renamed or removed without a new version.
const SchemaVersion = 1

// maxJSONEvidence caps the evidence listed per finding.
const maxJSONEvidence = 20

// The JSON contract is these types, marshalled by encoding/json: a
// program that reads wudiag's JSON can unmarshal into a Document.

// A Source is where a failure was reported. Recovered marks an event
// carved from the log's free space (a deleted or overwritten record);
// Inferred, one whose template was overwritten, so that its field names
// were inferred.
type Source struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Record    uint64 `json:"record"`
	Recovered bool   `json:"recovered,omitempty"`
	Inferred  bool   `json:"inferred,omitempty"`
}

// A Failure is a failed installation.
type Failure struct {
	Update     string  `json:"update"`
	Title      string  `json:"title"`
	Code       string  `json:"code"`
	Time       string  `json:"time"`
	Resolved   bool    `json:"resolved"`
	Family     string  `json:"family,omitempty"`
	Source     Source  `json:"source"`
	ResolvedBy *Source `json:"resolved_by,omitempty"`
}

// Evidence is one piece of evidence supporting a finding.
type Evidence struct {
	Rule   string  `json:"rule"`
	Signal string  `json:"signal"`
	File   string  `json:"file"`
	Line   int     `json:"line"`
	Record uint64  `json:"record"`
	Time   string  `json:"time"`
	Text   string  `json:"text"`
	Weight float64 `json:"weight"`
}

// A Finding is one ranked cause, worded in the document's language.
type Finding struct {
	Cause         string     `json:"cause"`
	Name          string     `json:"name"`
	Score         float64    `json:"score"`
	Confidence    string     `json:"confidence"`
	Summary       string     `json:"summary"`
	Reason        string     `json:"reason"`
	Evidence      []Evidence `json:"evidence"`
	EvidenceTotal int        `json:"evidence_total"`
	Remedy        []string   `json:"remedy"`
}

// An Input is what was read from one input.
type Input struct {
	File    string          `json:"file"`
	Kind    string          `json:"kind"`
	Entries int             `json:"entries"`
	Errors  []string        `json:"errors"`
	Skipped bool            `json:"skipped,omitempty"`
	Reason  classify.Reason `json:"reason,omitempty"`
	Omitted int             `json:"omitted,omitempty"`
}

// A Trace is one rule tried (analyze -explain).
type Trace struct {
	Rule    string `json:"rule"`
	Cause   string `json:"cause"`
	Matched int    `json:"matched"`
	Outcome string `json:"outcome"`
	Why     string `json:"why"`
}

// A Document is a whole diagnosis. Lists are [] when empty, never null
// (Explain is left out when not asked for).
type Document struct {
	SchemaVersion int    `json:"schema_version"`
	Machine       string `json:"machine,omitempty"`
	// UTCOffset is the machine's offset from UTC ("+09:00") when the
	// logs tell it; times in JSON stay in UTC.
	UTCOffset string `json:"utc_offset,omitempty"`
	// Since and Until are the window the evidence was filtered to.
	Since    string    `json:"since,omitempty"`
	Until    string    `json:"until,omitempty"`
	Failures []Failure `json:"failures"`
	Findings []Finding `json:"findings"`
	Inputs   []Input   `json:"inputs"`
	Explain  []Trace   `json:"explain,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func sourceOf(e *classify.Evidence) Source {
	if e == nil {
		return Source{}
	}
	return Source{File: e.File, Line: e.Line, Record: e.Record,
		Recovered: e.Value("recovered") == "true", Inferred: e.Value("inferred") == "true"}
}

// JSON returns the diagnosis in the documented JSON contract
// (schema_version 1): failures, findings best first with their names,
// summaries, reasons and remedies in lang, and inputs. Times are in UTC.
func JSON(d *classify.Diagnosis, lang language.Tag) ([]byte, error) {
	return json.Marshal(NewDocument(d, lang))
}

// NewDocument returns the diagnosis as the JSON contract's Document, worded
// in lang.
func NewDocument(d *classify.Diagnosis, lang language.Tag) *Document {
	out := &Document{
		SchemaVersion: SchemaVersion,
		Machine:       d.Machine,
		Since:         rfc3339(d.Since),
		Until:         rfc3339(d.Until),
		Failures:      []Failure{},
		Findings:      []Finding{},
		Inputs:        []Input{},
	}
	if d.OffsetKnown {
		out.UTCOffset = utcOffset(d.Offset)
	}
	for _, f := range d.Failures {
		jf := Failure{Update: f.Update, Title: f.Title, Code: f.Code.String(), Time: rfc3339(f.Time),
			Resolved: f.Resolved, Family: string(f.Family), Source: sourceOf(f.Source)}
		if f.ResolvedBy != nil {
			s := sourceOf(f.ResolvedBy)
			jf.ResolvedBy = &s
		}
		out.Failures = append(out.Failures, jf)
	}
	for _, f := range d.Findings {
		jf := Finding{Cause: f.Cause, Name: CauseName(f.Cause, lang), Score: f.Score, Confidence: string(f.Confidence),
			Summary: Summary(f, lang), Reason: Reason(f, lang), Evidence: []Evidence{}, EvidenceTotal: len(f.Support),
			Remedy: Remedy(f, lang)}
		for i, s := range f.Support {
			if i == maxJSONEvidence {
				break
			}
			e := s.Evidence
			jf.Evidence = append(jf.Evidence, Evidence{Rule: s.Rule.ID, Signal: e.Signal, File: e.File, Line: e.Line,
				Record: e.Record, Time: rfc3339(e.Time), Text: e.Text, Weight: round3(s.Weight)})
		}
		out.Findings = append(out.Findings, jf)
	}
	for _, in := range d.Inputs {
		ji := Input{File: in.File, Kind: string(in.Kind), Entries: in.Entries, Errors: in.Errors, Skipped: in.Skipped, Reason: in.Reason, Omitted: in.Omitted}
		if ji.Errors == nil {
			ji.Errors = []string{}
		}
		out.Inputs = append(out.Inputs, ji)
	}
	for _, t := range d.Explain {
		out.Explain = append(out.Explain, Trace{Rule: t.Rule.ID, Cause: t.Rule.Cause, Matched: t.Matched, Outcome: string(t.Outcome), Why: t.Why})
	}
	return out
}

// utcOffset writes an offset as RFC 3339 does: "+09:00", "-05:30", "+00:00".
func utcOffset(off time.Duration) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	m := int(off / time.Minute)
	return fmt.Sprintf("%c%02d:%02d", sign, m/60, m%60)
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
