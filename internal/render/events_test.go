package render

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
)

// eventExample analyzes a shipped example whose evidence is events.
func eventExample(t *testing.T, name string) *classify.Diagnosis {
	t.Helper()
	in, errs := classify.PathInputs(filepath.Join("..", "..", "corpus", "examples", name))
	require.Empty(t, errs)
	for i := range in {
		rel, err := filepath.Rel(filepath.Join("..", "..", "corpus", "examples"), in[i].Name)
		require.NoError(t, err)
		in[i].Name = filepath.ToSlash(rel)
	}
	d, err := classify.Analyze(context.Background(), in, nil)
	require.NoError(t, err)
	return d
}

// TestEventEvidenceGolden renders the examples whose evidence is events
// (WinREAgent 4502, WindowsUpdateClient 20, Defender 2001, SecurityCenter
// 15) as text: each event reads as one sentence in the report's language
// (testdata/events-*.golden; -update rewrites them).
func TestEventEvidenceGolden(t *testing.T) {
	for _, ex := range []string{"win10-ja-winre-kb5034441-partition-small", "win10-en-av-securitycenter-si-failure"} {
		for _, lang := range []language.Tag{language.English, language.Japanese} {
			name := "events-" + ex + "-" + lang.String() + ".golden"
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				require.NoError(t, Write(&b, eventExample(t, ex), "text", &Options{Lang: lang}))
				path := filepath.Join("testdata", name)
				if *update {
					require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
					return
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "run go test ./internal/render -update")
				assert.Equal(t, string(want), b.String())
			})
		}
	}
}

// TestEventSentencesInEveryFormat checks that evidence and timeline lines
// of events read as sentences, while the JSON keeps the raw fields.
func TestEventSentencesInEveryFormat(t *testing.T) {
	d := eventExample(t, "win10-ja-winre-kb5034441-partition-small")
	ja := &Options{Lang: language.Japanese}
	for _, format := range []string{"text", "table", "markdown", "html"} {
		var b bytes.Buffer
		require.NoError(t, Write(&b, d, format, ja))
		out := b.String()
		assert.Contains(t, out, "WinRE エージェント: 回復環境の更新に失敗しました: エラー フェーズ 2、0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE", format)
		assert.NotContains(t, out, "Microsoft-Windows-WinREAgent 4502:", format)
	}
	var b bytes.Buffer
	require.NoError(t, Write(&b, d, "json", ja))
	assert.True(t, strings.Contains(b.String(), "Microsoft-Windows-WinREAgent 4502: ErrorPhase=2 Errorcode=-2146498520"), "JSON keeps the raw fields")
}

func TestTimelineReadsSentences(t *testing.T) {
	d := eventExample(t, "win10-ja-winre-kb5034441-partition-small")
	v := newView(d, &Options{Location: time.UTC, MaxEvidence: 5})
	found := false
	for _, row := range v.Timeline {
		if strings.HasPrefix(row.Text, "Microsoft-Windows-") {
			t.Errorf("timeline row of an event the catalog knows shows its fields: %q", row.Text)
		}
		found = found || row.Text == "WinRE agent: servicing failed: error phase 2, 0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE"
	}
	if !found {
		t.Errorf("no WinREAgent 4502 sentence in the timeline: %+v", v.Timeline)
	}
}
