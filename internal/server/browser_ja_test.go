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

// labelsJS lists the text of the page that is shown as a label: every
// text node outside code, pre and the names of files, machines and
// updates (h1, strong, the update title) that is ASCII only and has a
// letter, except time stamps, KB numbers, codes and the "English" link.
const labelsJS = `(function () {
	var skip = "CODE,PRE,H1,STRONG,SCRIPT,STYLE,TITLE,SMALL";
	var allow = [/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC([+-]\d\d:\d\d)?$/, /^KB\d+$/, /^0x[0-9a-f]+$/i, /^English$/, /^wudiag$/];
	var bad = [];
	var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (var n = walk.nextNode(); n; n = walk.nextNode()) {
		var skipped = false;
		for (var e = n.parentElement; e; e = e.parentElement) {
			if (skip.indexOf(e.tagName) >= 0) { skipped = true; break; }
		}
		if (skipped) continue;
		var s = n.textContent.replace(/[\s·:()\/.,%#—–…-]+/g, " ").trim();
		if (!s || !/[A-Za-z]/.test(s) || /[^\x00-\x7f]/.test(s)) continue;
		if (allow.some(function (re) { return re.test(n.textContent.trim()); })) continue;
		bad.push(n.textContent.trim());
	}
	return bad;
})()`

// TestBrowserJapaneseCasePage uploads the corpus example, opens its case
// page in Japanese in headless Chromium, takes a screenshot (into
// WUDIAG_TEST_SCREENSHOTS when set) and checks that no label is left in
// English: no ASCII-only text outside code, file and machine names.
func TestBrowserJapaneseCasePage(t *testing.T) {
	browser := sharedtest.Peer(t, "chromium", "chromium-browser", "google-chrome", "headless-shell")
	ts := newTestServer(t, nil, nil)
	bundle := filepath.Join(t.TempDir(), "win10-store-corruption.zip")
	if err := os.WriteFile(bundle, exampleZip(t), 0o600); err != nil {
		t.Fatal(err)
	}
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
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1200, 1000),
	)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	var caseURL string
	err = chromedp.Run(bctx,
		chromedp.Navigate(ts.URL+"/?lang=ja"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", testToken, chromedp.ByID),
		chromedp.Click("#login", chromedp.ByID),
		chromedp.WaitVisible("#files", chromedp.ByID),
		chromedp.SetUploadFiles("#files", []string{bundle}, chromedp.ByID),
		chromedp.Click("#send", chromedp.ByID),
		chromedp.WaitVisible("#status", chromedp.ByID),
		chromedp.Location(&caseURL),
	)
	if err != nil {
		t.Fatalf("login and upload: %v", err)
	}
	if i := strings.IndexByte(caseURL, '?'); i >= 0 {
		caseURL = caseURL[:i]
	}
	var status string
	for deadline := time.Now().Add(60 * time.Second); ; {
		if err := chromedp.Run(bctx, chromedp.Navigate(caseURL+"?lang=ja"), chromedp.Text("#status", &status, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		if status == "完了" || status == "失敗" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status != "完了" {
		t.Fatalf("case status %q, want 完了", status)
	}
	var png []byte
	var bad []string
	var lang string
	err = chromedp.Run(bctx,
		chromedp.WaitVisible("#findings", chromedp.ByID),
		chromedp.FullScreenshot(&png, 100),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.Evaluate(labelsJS, &bad),
	)
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("WUDIAG_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "case-ja-labels.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 {
		t.Errorf("screenshot of %d bytes", len(png))
	}
	if lang != "ja" {
		t.Errorf("page language %q", lang)
	}
	if len(bad) > 0 {
		t.Errorf("the Japanese case page has labels in English: %q", bad)
	}
	// The check itself finds the English labels of the English page.
	var en []string
	if err := chromedp.Run(bctx, chromedp.Navigate(caseURL+"?lang=en"), chromedp.WaitVisible("#findings", chromedp.ByID),
		chromedp.Evaluate(labelsJS, &en)); err != nil {
		t.Fatal(err)
	}
	if len(en) < 5 {
		t.Errorf("the check finds only %q on the English page", en)
	}
	chromedp.Run(bctx, chromedp.Navigate(caseURL+"?lang=ja"))
}
