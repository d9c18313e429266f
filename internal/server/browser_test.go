package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

// TestBrowser logs in, uploads a zipped corpus example through the page
// in headless Chromium, waits for the analysis, and reads the diagnosis
// on the case page in English and Japanese, then drops a file on the
// upload box as a user would drag one. It skips where no Chromium is
// installed (Debian: apt-get install chromium). With
// WUDIAG_TEST_SCREENSHOTS=DIR it saves the pages as PNG files there.
func TestBrowser(t *testing.T) {
	browser := sharedtest.Peer(t, "chromium", "chromium-browser", "google-chrome", "headless-shell")
	ts := newTestServer(t, nil, nil)
	bundle := filepath.Join(t.TempDir(), "win10-store-corruption.zip")
	if err := os.WriteFile(bundle, exampleZip(t), 0o600); err != nil {
		t.Fatal(err)
	}

	// Chromium's helpers may still write to the profile for a moment after
	// the browser exits: remove it with retries rather than t.TempDir.
	profile, err := os.MkdirTemp("", "wudiag-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1200, 1000),
	)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	shots := os.Getenv("WUDIAG_TEST_SCREENSHOTS")
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if shots == "" {
				return nil
			}
			var png []byte
			if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}

	var caseURL string
	err = chromedp.Run(bctx,
		// Without the cookie the page sends the browser to the login form.
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", testToken, chromedp.ByID),
		chromedp.Click("#login", chromedp.ByID),
		chromedp.WaitVisible("#files", chromedp.ByID),
		shot("list"),
		chromedp.SetUploadFiles("#files", []string{bundle}, chromedp.ByID),
		chromedp.Click("#send", chromedp.ByID),
		chromedp.WaitVisible("#status", chromedp.ByID),
		chromedp.Location(&caseURL),
	)
	if err != nil {
		t.Fatalf("login and upload: %v", err)
	}
	if !strings.Contains(caseURL, "/cases/") {
		t.Fatalf("after upload the browser is at %s", caseURL)
	}

	// The page refreshes itself while the case is queued or running; read
	// it until it is done.
	var status string
	for deadline := time.Now().Add(60 * time.Second); ; {
		if err := chromedp.Run(bctx, chromedp.Navigate(caseURL), chromedp.Text("#status", &status, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		if status == "done" || status == "failed" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status != "done" {
		t.Fatalf("case status %q", status)
	}
	var en, ja, report string
	err = chromedp.Run(bctx,
		chromedp.Text("#findings", &en, chromedp.ByID),
		shot("case-en"),
		chromedp.Click("a.lang", chromedp.ByQuery),
		chromedp.WaitVisible("#findings", chromedp.ByID),
		chromedp.Text("#findings", &ja, chromedp.ByID),
		shot("case-ja"),
		chromedp.Click("#report", chromedp.ByID),
		chromedp.WaitReady("body", chromedp.ByQuery),
		chromedp.Text("body", &report, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Component store corruption", "DISM /Online /Cleanup-Image /RestoreHealth"} {
		if !strings.Contains(en, want) {
			t.Errorf("case page (en) lacks %q:\n%.600s", want, en)
		}
	}
	if !strings.Contains(ja, "コンポーネント ストアの破損") {
		t.Errorf("case page (ja) lacks the Japanese cause name:\n%.600s", ja)
	}
	if !strings.Contains(report, "KB5034122") {
		t.Errorf("HTML report lacks the failing KB:\n%.600s", report)
	}

	// The case says who uploaded it; the trends page counts its cause.
	var who, trends string
	err = chromedp.Run(bctx,
		chromedp.Navigate(caseURL+"?lang=en"),
		chromedp.Text("#uploaded-by", &who, chromedp.ByID),
		chromedp.Navigate(ts.URL+"/trends?days=7&lang=en"),
		chromedp.WaitVisible("#trend-causes", chromedp.ByID),
		chromedp.Text("#trend-causes", &trends, chromedp.ByID),
		shot("trends"),
	)
	if err != nil {
		t.Fatalf("uploader and trends: %v", err)
	}
	if who != sharedName || !strings.Contains(trends, "Component store corruption") {
		t.Errorf("uploaded by %q; trends:\n%.600s", who, trends)
	}

	// Drag and drop: a file dropped on the upload box becomes the form's,
	// its name is shown, and sending it makes a case.
	const dropJS = `(function () {
		var dt = new DataTransfer();
		dt.items.add(new File(["2024-01-09 10:00:00, Info                  CBS    Session: 1_2 initialized by client WindowsUpdateAgent\r\n"], "CBS.log", {type: "text/plain"}));
		var drop = document.getElementById("drop");
		drop.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
		var over = drop.classList.contains("over");
		drop.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return over && !drop.classList.contains("over") && document.getElementById("files").files.length === 1;
	})()`
	var dropped bool
	var chosen, dropURL string
	err = chromedp.Run(bctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible("#drop", chromedp.ByID),
		chromedp.Evaluate(dropJS, &dropped),
		chromedp.Text("#chosen", &chosen, chromedp.ByID),
		chromedp.Click("#send", chromedp.ByID),
		chromedp.WaitVisible("#status", chromedp.ByID),
		chromedp.Location(&dropURL),
	)
	if err != nil {
		t.Fatalf("drag and drop: %v", err)
	}
	if !dropped || chosen != "CBS.log" {
		t.Errorf("after the drop: files set %v, shown %q", dropped, chosen)
	}
	if !strings.Contains(dropURL, "/cases/") || dropURL == caseURL {
		t.Errorf("sending the dropped file led to %s", dropURL)
	}
}
