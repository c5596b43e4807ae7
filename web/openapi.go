package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPI is the OpenAPI 3 document of every /api/v1 route: tests check
// that each registered API route is in it and validate the API's answers
// against it.
//
//go:embed openapi.json
var OpenAPI []byte

// apiOpenAPI serves the OpenAPI document.
func (h *Handler) apiOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPI)
}
