package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

// ctxBodyCap holds the request's *cappedBody.
const ctxBodyCap = "body_cap"

// cappedBody is a request body cut off at its limit that remembers being
// cut off. The CSRF check parses the form and drops read errors, so without
// this an oversize chunked body (no Content-Length) would read as a form
// without its token: 403 "expired" instead of 413.
type cappedBody struct {
	io.ReadCloser
	hit      bool
	tooLarge error
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && errors.As(err, &mbe) {
		b.hit = true
	}
	return n, err
}

// capBody limits the request's body to limit bytes. A body that declares a
// larger size is refused at once with tooLarge; one that does not (chunked)
// is cut off at the limit, and bodyTooLarge then returns tooLarge.
func capBody(c echo.Context, limit int64, tooLarge error) error {
	req := c.Request()
	if req.ContentLength > limit {
		return tooLarge
	}
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	b := &cappedBody{ReadCloser: http.MaxBytesReader(c.Response(), req.Body, limit), tooLarge: tooLarge}
	req.Body = b
	c.Set(ctxBodyCap, b)
	return nil
}

// bodyTooLarge returns the request's 413 error once its body has hit the
// cap set by capBody, else nil.
func bodyTooLarge(c echo.Context) error {
	if b, ok := c.Get(ctxBodyCap).(*cappedBody); ok && b.hit {
		return b.tooLarge
	}
	return nil
}
