package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// postChunked posts body without a Content-Length (chunked transfer
// encoding), as a client streaming a file of unknown size does.
func postChunked(t *testing.T, c *http.Client, rawURL, contentType string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", contentType)
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", rawURL, err)
	}
	return res, readBody(t, res)
}

func TestChunkedUploadTooLarge(t *testing.T) {
	srv, _, c := newImportServer(t)
	_, form, _ := getWith(t, c, srv.URL+"/imports/new")
	body := io.MultiReader(strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n"+formToken(t, form)+
		"\r\n--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n"),
		io.LimitReader(zeros{}, web.MaxUploadBytes+1))
	res, page := postChunked(t, c, srv.URL+"/imports", "multipart/form-data; boundary=x", body)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "larger than 64 MiB") {
		t.Fatalf("chunked upload over the cap: %d %.300s", res.StatusCode, page)
	}
}

func TestChunkedFormTooLarge(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
	c := loginClient(t, s.URL, "ann@example.com", pw, false)
	form := url.Values{"_csrf": {csrfToken(t, c, s.URL)}, "name": {strings.Repeat("x", 2<<20)}}.Encode()
	res, page := postChunked(t, c, s.URL+"/account/tokens", "application/x-www-form-urlencoded", strings.NewReader(form))
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "The request is too large.") {
		t.Fatalf("chunked form over 1 MiB: %d %.300s", res.StatusCode, page)
	}
}
