package mode

import (
	"errors"
	"fmt"
)

// Problem is one thing wrong with a mode file or a set of modes: the file
// (a mode's Source, or the directory for a problem of the whole set), the
// 1-based line when known (0 otherwise) and what to fix. Load, New, Parse
// and WithOverrides return their problems joined with errors.Join; use
// Problems to get them back one by one.
type Problem struct {
	File    string
	Line    int
	Message string
	// Err is the underlying error, if any (a read error, a YAML error).
	Err error
}

// Error formats the problem as "file:line: message" (or "file: message"
// when the line is unknown).
func (p *Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Unwrap returns the underlying error.
func (p *Problem) Unwrap() error { return p.Err }

// Problems flattens an error returned by this package into its problems,
// in order, looking through errors.Join and %w wrapping. An error with no
// *Problem inside becomes one with an empty File. A nil error has none.
func Problems(err error) []*Problem {
	if err == nil {
		return nil
	}
	switch e := err.(type) {
	case *Problem:
		return []*Problem{e}
	case interface{ Unwrap() []error }:
		var out []*Problem
		for _, inner := range e.Unwrap() {
			out = append(out, Problems(inner)...)
		}
		return out
	case interface{ Unwrap() error }:
		var p *Problem
		if inner := e.Unwrap(); inner != nil && errors.As(inner, &p) {
			return Problems(inner)
		}
	}
	return []*Problem{{Message: err.Error(), Err: err}}
}

// problemf returns a problem at line of m's source.
func problemf(m *Mode, key string, format string, args ...any) *Problem {
	return &Problem{File: m.source(), Line: m.Line(key), Message: fmt.Sprintf(format, args...)}
}

// join returns nil for no problems, or the problems joined.
func join(ps []*Problem) error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}
