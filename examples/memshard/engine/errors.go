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

// UnknownCommandError is Redis 7.0's unknown-command error, built as its
// processCommand does: the name as "%.128s", then arguments as "'%.*s' "
// while the argument text is under 128 bytes, each cut to what is left of
// those 128. Like C strings, the name and arguments end at a NUL byte.
func UnknownCommandError(argv [][]byte) string {
	var args []byte
	for _, a := range argv[1:] {
		if len(args) >= 128 {
			break
		}
		n := 128 - len(args)
		args = append(args, '\'')
		args = append(args, cStringN(a, n)...)
		args = append(args, '\'', ' ')
	}
	return fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", cStringN(argv[0], 128), args)
}
