package classify

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/codes"
)

// bytesInput is an Input holding text, as a file named name.
func bytesInput(name, text string) Input {
	return Input{Name: name, Size: int64(len(text)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(text)), nil
	}}
}

// evidenceOf runs text through the real intake: format detection, the
// reader of that format and its extractor, as Analyze does.
func evidenceOf(t *testing.T, name, text string) []Evidence {
	t.Helper()
	d, _ := Analyze(context.Background(), []Input{bytesInput(name, text)}, nil)
	return d.Evidence
}

// TestFailurePatternExamples runs every stock failure pattern's examples
// through the real readers and extractors: each positive line must be
// kept as evidence and read by the pattern, each negative must not.
func TestFailurePatternExamples(t *testing.T) {
	for _, p := range StockFailurePatterns() {
		if len(p.Tests.Positive) == 0 {
			t.Errorf("%s: no positive example", p.ID)
		}
		for _, line := range p.Tests.Positive {
			ev := evidenceOf(t, "excerpt.log", line+"\r\n")
			ok := false
			for i := range ev {
				if _, hit := p.read(&ev[i]); hit {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s: positive example not read (evidence %d): %s", p.ID, len(ev), line)
			}
		}
		for _, line := range p.Tests.Negative {
			for _, e := range evidenceOf(t, "excerpt.log", line+"\r\n") {
				if s, hit := p.read(&e); hit {
					t.Errorf("%s: negative example read as failure %v: %s", p.ID, s.codes, line)
				}
			}
		}
	}
}

func TestParseFailurePatternsRefusesMistakes(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"- {id: a, needles: [x], regex: 'x', stag: install}", "field stag not found"},
		{"- {id: a, needles: [x], regex: '(?P<cod>x)'}", "unknown group name"},
		{"- {id: a, needles: [x], regex: '('}", "regex"},
		{"- {id: a, regex: 'x'}", "no needles"},
		{"- {id: a, needles: [x], regex: 'x', stage: installing}", "unknown stage"},
		{"- {id: a, needles: [x], regex: 'x'}\n- {id: a, needles: [x], regex: 'y'}", "duplicate id"},
	} {
		_, err := ParseFailurePatterns(strings.NewReader(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", tt.yaml, err, tt.want)
		}
	}
}

func TestFoldAndPhrases(t *testing.T) {
	f := fold("Mark  store-corruption FLAG: [HRESULT]")
	if f != " mark store corruption flag hresult" {
		t.Fatalf("fold = %q", f)
	}
	for _, tt := range []struct {
		phrase, text string
		want         bool
	}{
		{"mark store corruption", "Info CBS Mark store corruption flag because of package", true},
		{"fail", "Failed to process", true},
		{"fail", "nailfail", false},
		{"[SR] ", "CSI 00000009 [SR] Verify complete", true},
		{"インストールに失敗しました", "次の更新プログラムのインストールに失敗しました: KB5034441", true},
	} {
		if got := newPhrase(tt.phrase).in(fold(tt.text)); got != tt.want {
			t.Errorf("phrase %q in %q = %v", tt.phrase, tt.text, got)
		}
	}
	var s needleSet
	s.add("Hydration failed")
	s.add("インストールに失敗")
	if !s.match("(F) HYDRATION FAILED with error") || !s.match("…インストールに失敗しました") || s.match("Info CBS Loaded Servicing Stack") {
		t.Error("needleSet")
	}
}

func TestMSIProduct(t *testing.T) {
	for in, want := range map[string]string{
		"Product: EMET 5.51 -- Installation failed.":         "EMET 5.51",
		"製品: Microsoft .NET Framework 4.8 -- インストールに失敗しました。": "Microsoft .NET Framework 4.8",
		" Contoso Agent -- Installation failed. ":            "Contoso Agent",
		"Contoso Agent": "Contoso Agent",
	} {
		if got := msiProduct(in); got != want {
			t.Errorf("msiProduct(%q) = %q, want %q", in, got, want)
		}
	}
}

// An installer exiting with 1603 ran an MSI package; another exit code,
// or an HRESULT from a script, says nothing of the package's kind.
func TestInstallerExit1603IsMSI(t *testing.T) {
	for text, want := range map[string]Family{
		"Starting package install...\nInstaller failed with exit code: 1603\n":                       FamilyMSI,
		"Starting package install...\nInstaller failed with exit code: 1618\n":                       "",
		"Exception calling \"Install\" with \"0\" argument(s): Exception from HRESULT: 0x80070643\n": "",
	} {
		d, err := Analyze(context.Background(), []Input{bytesInput("winget.txt", text)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Failures) != 1 || d.Failures[0].Family != want {
			t.Errorf("%q: failures %+v, want one of family %q", text, d.Failures, want)
		}
	}
}

// CBS's execution error names no package; the package line beside it
// with the same status does, and names the failure.
func TestGenericFailureTakesThePackageName(t *testing.T) {
	log := "2024-01-10 10:14:43, Error                 CBS    Startup: Failed to process advanced operation queue, startupPhase: 0.  A rollback transaction will be created. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]\n" +
		"2024-01-10 10:14:44, Info                  CBS    Reporting package change completion for package: Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.3930.1.6, current: Staged, original: Staged, target: Installed, status: 0x800f0922, failure source: Execute, failure details: \"(null)\", client: UpdateAgentLCU\n"
	d, err := Analyze(context.Background(), []Input{bytesInput("CBS.log", log)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Failures) != 1 || d.Failures[0].Update != "Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.3930.1.6" {
		for _, f := range d.Failures {
			t.Logf("failure %q %v", f.Update, f.Code)
		}
		t.Errorf("want one failure named by its package")
	}
}

// "Error NNNN" after a product is a Windows Installer message number;
// only 1601–1699 are the Win32 code of the same number.
func TestMSIMessageNumbers(t *testing.T) {
	for text, want := range map[string]codes.Code{
		"MSI (s) (7C:2C) [10:12:13:460]: Product: Contoso Agent -- Error 1722. There is a problem with this Windows Installer package.": 0x80070643,
		"MSI (s) (7C:2C) [10:12:13:460]: Product: Contoso Agent -- Error 1714. The older version of Contoso Agent cannot be removed.":   0x80070643,
		"MSI (s) (7C:2C) [10:12:13:460]: Product: Contoso Agent -- Error 1618. Another installation is already in progress.":            0x80070652,
	} {
		d, err := Analyze(context.Background(), []Input{bytesInput("install.log", text+"\n")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Failures) != 1 || d.Failures[0].Code != want {
			t.Errorf("%q: failures %+v, want one with %v", text, d.Failures, want)
		}
	}
}
