package ingest

import "fmt"

// FieldError is a record's problem with one of its fields. Its message is
// the reject reason a file import shows; Field lets the write API answer
// with the field as well.
type FieldError struct {
	Field string
	Msg   string
	Err   error // the underlying parse error, if any
}

func (e *FieldError) Error() string { return e.Msg }

func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
