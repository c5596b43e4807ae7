package web_test

import (
	"context"
	"encoding/binary"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// utf16LE encodes s as UTF-16 little endian with a byte order mark, as
// Excel's "Unicode Text" saves a sheet.
func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// TestRiskImportSpreadsheetFiles: registers saved by spreadsheets in other
// locales — ';'-separated, UTF-16 tab-separated, windows-1252 — are sent
// from /imports to /risks/import, and read there as /imports reads them.
func TestRiskImportSpreadsheetFiles(t *testing.T) {
	win1252 := func(s string) []byte {
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name string
		file []byte
	}{
		{"semicolon", []byte("code;title;service;likelihood;impact;owner;status;target date\n" +
			";Réplica lag on checkout;checkout,payments-api;3;4;ann@test.example;open;2026-12-31\n" +
			";\"Queue; no dead-letter\";checkout;2;5;ann@test.example;mitigating;\n")},
		{"utf-16 tab", utf16LE("code\ttitle\tservice\tlikelihood\timpact\towner\tstatus\ttarget date\r\n" +
			"\tRéplica lag on checkout\tcheckout; payments-api\t3\t4\tann@test.example\topen\t2026-12-31\r\n" +
			"\tQueue; no dead-letter\tcheckout\t2\t5\tann@test.example\tmitigating\t\r\n")},
		{"windows-1252 semicolon", win1252("\"code\";\"title\";\"service\";\"likelihood\";\"impact\";\"owner\";\"status\";\"target date\"\r\n" +
			";Réplica lag on checkout;checkout,payments-api;3;4;ann@test.example;open;2026-12-31\r\n" +
			";\"Queue; no dead-letter\";checkout;2;5;ann@test.example;mitigating;\r\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newRiskServer(t, testutil.DemoStore(t))
			// The import page recognises the register and sends it on.
			importer := signIn(t, s.st, s.url, web.RoleEditor).client // follows the upload's redirect
			_, body := uploadFiles(t, importer, s.url, map[string]string{"format": "auto"}, map[string][]byte{"register.csv": tc.file})
			if !strings.Contains(body, `data-testid="file-failed"`) || !strings.Contains(body, "/risks/import") {
				t.Fatalf("/imports does not send the register to /risks/import: %.1500s", body)
			}
			status, preview := uploadRisks(t, s.editor, s.url, "register.csv", tc.file)
			if status != http.StatusOK || !strings.Contains(preview, "2 risks read: 2 new") || !strings.Contains(preview, `data-testid="confirm-import"`) {
				t.Fatalf("preview: %d %.3000s", status, preview)
			}
			if status, body := confirmRisks(t, s.editor, s.url, preview, nil); status != http.StatusSeeOther {
				t.Fatalf("confirm: %d %.2000s", status, body)
			}
			risks, err := s.st.Risks(context.Background(), store.RiskFilter{})
			if err != nil {
				t.Fatal(err)
			}
			byTitle := map[string]analytics.Risk{}
			for _, r := range risks {
				byTitle[r.Title] = r
			}
			lag, ok := byTitle["Réplica lag on checkout"]
			if !ok || !slices.Equal(lag.Services, []string{"checkout", "payments-api"}) || lag.Likelihood != 3 || lag.Impact != 4 ||
				lag.Owner != "ann@test.example" || lag.Status != analytics.RiskOpen || lag.FieldValue("target_date") != "2026-12-31" {
				t.Errorf("first row imported as %+v (found %v)", lag, ok)
			}
			queue, ok := byTitle["Queue; no dead-letter"]
			if !ok || !slices.Equal(queue.Services, []string{"checkout"}) || queue.Likelihood != 2 || queue.Impact != 5 || queue.Status != analytics.RiskMitigating {
				t.Errorf("second row imported as %+v (found %v)", queue, ok)
			}
		})
	}
}

// TestRiskCSVExportGuardsEveryPart: the export quotes every field and
// guards a formula after a separator inside a value (a ';'-separated
// spreadsheet would make "=1+1" a cell of its own), and importing the
// export gives the values back unchanged.
func TestRiskCSVExportGuardsEveryPart(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	form := validRiskForm()
	form.Set("title", "semi;=1+1;")
	form.Set("mitigation", "Step one, -then two\n@three")
	if status, _, hdr := postWith(t, s.editor, s.url+"/risks", form, true); status != http.StatusSeeOther || hdr.Get("Location") != "/risks/R-013" {
		t.Fatalf("create: %d %s", status, hdr.Get("Location"))
	}
	status, out, _ := getWith(t, s.viewer, s.url+"/risks.csv")
	if status != http.StatusOK {
		t.Fatalf("csv: %d", status)
	}
	if !strings.HasPrefix(out, `"code","title","description",`) {
		t.Errorf("header fields not quoted: %.100s", out)
	}
	for _, want := range []string{`"R-013","semi;'=1+1;",`, `"Step one, '-then two` + "\n'@three\""} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	status, preview := uploadRisks(t, s.editor, s.url, "export.csv", []byte(out))
	if status != http.StatusOK || !strings.Contains(preview, "13 risks read: 0 new, 0 to update, 13 unchanged") {
		t.Fatalf("re-import of the export: %d %.2000s", status, preview)
	}
}
