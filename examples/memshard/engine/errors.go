package engine

import (
	"fmt"
	"strings"
)

// Redis 7.0's error replies, word for word.
const (
	ErrSyntax       = "ERR syntax error"
	ErrWrongType    = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNotInteger   = "ERR value is not an integer or out of range"
	ErrNotFloat     = "ERR value is not a valid float"
	ErrOverflow     = "ERR increment or decrement would overflow"
	ErrNoSuchKey    = "ERR no such key"
	ErrIndexRange   = "ERR index out of range"
	ErrInvalidExpir = "ERR invalid expire time in '%s' command"
)

// ArityError is Redis's wrong-number-of-arguments error for cmd.
func ArityError(cmd string) string {
	return fmt.Sprintf("ERR wrong number of arguments for '%s' command", strings.ToLower(cmd))
}

// UnknownCommandError is Redis 7.0's unknown-command error: the name and up
// to the first arguments, each quoted, as `'arg' `.
func UnknownCommandError(argv [][]byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ERR unknown command '%s', with args beginning with: ", sanitize(argv[0]))
	for _, a := range argv[1:] {
		if b.Len() >= 128 {
			break
		}
		fmt.Fprintf(&b, "'%s' ", sanitize(a))
	}
	return b.String()
}

// sanitize shortens an argument for an error message as Redis does (128 bytes).
func sanitize(b []byte) string {
	if len(b) > 128 {
		b = b[:128]
	}
	return string(b)
}
