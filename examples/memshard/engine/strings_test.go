package engine

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestStrings_GetSet(t *testing.T) {
	far := strconv.FormatInt(keysNow()/1000+100000, 10)
	farMS := strconv.FormatInt(keysNow()+100000000, 10)
	keysRunScripts(t, map[string]keysScript{
		"basics": {
			{"GET", "a"}, {"SET", "a", "1"}, {"GET", "a"}, {"set", "a", "2"}, {"GET", "a"},
			{"SET", "e", ""}, {"GET", "e"}, {"STRLEN", "e"}, {"EXISTS", "e"},
			{"SET", "bin\x00\r\n", "a\x00b\r\nc"}, {"GET", "bin\x00\r\n"}, {"STRLEN", "bin\x00\r\n"},
			{"SET", "big", strings.Repeat("x", 100000)}, {"GET", "big"}, {"STRLEN", "big"},
			{"SET", "a", "1", "junk"}, {"SET", "a", "1", "EX"}, {"GET", "a"},
		},
		"conditions": {
			{"SET", "a", "1", "NX"}, {"SET", "a", "2", "NX"}, {"GET", "a"},
			{"SET", "a", "3", "XX"}, {"SET", "b", "3", "XX"}, {"GET", "a"}, {"EXISTS", "b"},
			{"SET", "a", "4", "nx", "nx"}, {"SET", "a", "4", "xx", "XX"}, {"GET", "a"},
			{"SET", "a", "5", "NX", "XX"}, {"SET", "a", "5", "XX", "NX"},
			{"SET", "a", "6", "NX\x00junk"}, {"SET", "a", "7", "XX\x00junk"}, {"GET", "a"},
			{"SET", "a", "8", "NXX"}, {"SET", "a", "8", "N"},
		},
		"get option": {
			{"SET", "a", "1", "GET"}, {"SET", "a", "2", "GET"}, {"GET", "a"},
			{"SET", "a", "3", "NX", "GET"}, {"GET", "a"}, {"SET", "b", "3", "XX", "GET"}, {"EXISTS", "b"},
			{"SET", "a", "4", "GET", "XX"}, {"SET", "c", "4", "GET", "NX"}, {"GET", "c"},
			{"SET", "a", "5", "GET", "GET"}, {"SET", "a", "6", "GET", "EX", "100"}, {"TTL", "a"},
		},
		"expiry options": {
			{"SET", "a", "1", "EX", "100"}, {"TTL", "a"},
			{"SET", "a", "1", "PX", "100000"}, {"TTL", "a"},
			{"SET", "a", "1", "EXAT", far}, {"EXPIRETIME", "a"}, {"PEXPIRETIME", "a"},
			{"SET", "a", "1", "PXAT", farMS}, {"PEXPIRETIME", "a"},
			{"SET", "a", "2", "KEEPTTL"}, {"PEXPIRETIME", "a"}, {"GET", "a"},
			{"SET", "a", "3"}, {"TTL", "a"},
			{"SET", "n", "3", "KEEPTTL"}, {"TTL", "n"},
			{"SET", "a", "1", "ex", "100", "EX", "200"}, {"TTL", "a"},
			{"SET", "a", "1", "EX", "100", "PX", "100"}, {"SET", "a", "1", "EX", "100", "KEEPTTL"},
			{"SET", "a", "1", "KEEPTTL", "EX", "100"}, {"SET", "a", "1", "PXAT", farMS, "EXAT", far},
			{"SET", "a", "1", "KEEPTTL", "KEEPTTL"}, {"SET", "a", "1", "PERSIST"},
			{"SET", "a", "1", "EX", "100", "NX"}, {"SET", "a", "1", "XX", "PX", "5000"}, {"TTL", "a"},
			{"SET", "a", "1", "EXAT"}, {"SET", "a", "1", "EX", "100", "PX"},
		},
		"expiry errors": {
			{"SET", "a", "1", "EX", "0"}, {"SET", "a", "1", "EX", "-1"}, {"SET", "a", "1", "PX", "0"},
			{"SET", "a", "1", "EXAT", "0"}, {"SET", "a", "1", "PXAT", "-5"},
			{"SET", "a", "1", "EX", "abc"}, {"SET", "a", "1", "EX", "1.5"}, {"SET", "a", "1", "EX", " 1"},
			{"SET", "a", "1", "EX", "9223372036854775807"}, {"SET", "a", "1", "EX", "9223372036854775"},
			{"SET", "a", "1", "PX", "9223372036854775807"}, {"SET", "a", "1", "PX", "9223372036854775808"},
			{"SET", "a", "1", "EXAT", "9223372036854775807"},
			{"SET", "a", "1", "PXAT", "9223372036854775807"}, {"PEXPIRETIME", "a"},
			{"SET", "a", "1", "EXAT", "9223372036854775"}, {"PEXPIRETIME", "a"},
			{"EXISTS", "b"}, {"SET", "b", "1", "EX", "0", "GET"}, {"EXISTS", "b"},
		},
		"setnx setex psetex": {
			{"SETNX", "a", "1"}, {"SETNX", "a", "2"}, {"GET", "a"},
			{"SETEX", "a", "100", "v"}, {"TTL", "a"}, {"GET", "a"},
			{"PSETEX", "b", "100000", "w"}, {"TTL", "b"}, {"GET", "b"},
			{"SETEX", "a", "0", "v"}, {"SETEX", "a", "-10", "v"}, {"SETEX", "a", "x", "v"},
			{"PSETEX", "a", "0", "v"}, {"SETEX", "a", "9223372036854775807", "v"},
			{"PSETEX", "a", "9223372036854775807", "v"}, {"GET", "a"}, {"TTL", "a"},
			{"SETNX", "a"}, {"SETEX", "a", "10"}, {"PSETEX", "a", "10", "v", "x"},
		},
		"mget mset msetnx": {
			{"MSET", "a", "1", "b", "2"}, {"MGET", "a", "b", "c", "a"},
			{"MSET", "a", "1", "b"}, {"MSET", "a"}, {"MSETNX", "a", "1", "b"}, {"MGET"},
			{"MSET", "a", "x", "a", "y"}, {"GET", "a"},
			{"MSETNX", "c", "3", "a", "9"}, {"MGET", "a", "b", "c"},
			{"MSETNX", "c", "3", "d", "4", "c", "5"}, {"MGET", "c", "d"},
			{"SET", "t", "v", "EX", "100"}, {"MSET", "t", "w"}, {"TTL", "t"},
		},
		"append strlen": {
			{"APPEND", "a", "hello"}, {"APPEND", "a", " world"}, {"GET", "a"}, {"STRLEN", "a"},
			{"APPEND", "e", ""}, {"EXISTS", "e"}, {"GET", "e"}, {"STRLEN", "missing"},
			{"APPEND", "b", "\x00\r\n"}, {"APPEND", "b", "\x00"}, {"GET", "b"},
			{"SET", "n", "10"}, {"APPEND", "n", "5"}, {"INCR", "n"},
			{"SET", "t", "v", "EX", "100"}, {"APPEND", "t", "w"}, {"TTL", "t"},
		},
		"getdel getset": {
			{"GETDEL", "a"}, {"SET", "a", "1"}, {"GETDEL", "a"}, {"EXISTS", "a"},
			{"GETSET", "b", "1"}, {"GETSET", "b", "2"}, {"GET", "b"},
			{"SET", "t", "v", "EX", "100"}, {"GETSET", "t", "w"}, {"TTL", "t"},
			{"GETDEL", "a", "b"}, {"GETSET", "a"},
		},
	})
}

func TestStrings_GetEx(t *testing.T) {
	far := strconv.FormatInt(keysNow()/1000+100000, 10)
	farMS := strconv.FormatInt(keysNow()+100000000, 10)
	keysRunScripts(t, map[string]keysScript{
		"options": {
			{"GETEX", "a"}, {"GETEX", "a", "EX", "10"}, {"GETEX", "a", "EX", "0"}, {"GETEX", "a", "junk"},
			{"SET", "a", "1"}, {"GETEX", "a"}, {"TTL", "a"},
			{"GETEX", "a", "EX", "100"}, {"TTL", "a"},
			{"GETEX", "a", "PX", "200000"}, {"TTL", "a"},
			{"GETEX", "a", "EXAT", far}, {"PEXPIRETIME", "a"},
			{"GETEX", "a", "PXAT", farMS}, {"PEXPIRETIME", "a"},
			{"GETEX", "a", "PERSIST"}, {"TTL", "a"}, {"GETEX", "a", "persist"}, {"TTL", "a"},
			{"GETEX", "a", "EX", "100", "EX", "200"}, {"TTL", "a"},
			{"GETEX", "a", "PERSIST", "PERSIST"}, {"TTL", "a"},
		},
		"errors": {
			{"SET", "a", "1"},
			{"GETEX", "a", "EX"}, {"GETEX", "a", "EX", "10", "PX", "10"}, {"GETEX", "a", "PERSIST", "EX", "10"},
			{"GETEX", "a", "EX", "10", "PERSIST"}, {"GETEX", "a", "KEEPTTL"}, {"GETEX", "a", "NX"}, {"GETEX", "a", "GET"},
			{"GETEX", "a", "EX", "0"}, {"GETEX", "a", "PX", "-1"}, {"GETEX", "a", "EX", "x"},
			{"GETEX", "a", "EX", "9223372036854775807"}, {"GETEX", "a", "PXAT", "0"},
			{"TTL", "a"},
		},
		"past absolute deletes": {
			{"SET", "a", "1"}, {"GETEX", "a", "EXAT", "1"}, {"EXISTS", "a"},
			{"SET", "a", "1"}, {"GETEX", "a", "PXAT", "1000"}, {"EXISTS", "a"},
		},
	})
}

func TestStrings_Ranges(t *testing.T) {
	var getrange keysScript
	getrange = append(getrange, []string{"SET", "s", "Hello World"}, []string{"SET", "e", ""}, []string{"SET", "n", "12345"})
	idx := []string{"0", "1", "4", "10", "11", "100", "-1", "-2", "-11", "-12", "-100", "9223372036854775807", "-9223372036854775808"}
	for _, key := range []string{"s", "e", "n", "missing"} {
		for _, a := range idx {
			for _, b := range idx {
				getrange = append(getrange, []string{"GETRANGE", key, a, b})
			}
		}
	}
	getrange = append(getrange,
		[]string{"GETRANGE", "s", "x", "1"}, []string{"GETRANGE", "s", "1", "x"},
		[]string{"GETRANGE", "s", "9223372036854775808", "1"}, []string{"GETRANGE", "missing", "x", "1"},
		[]string{"GETRANGE", "s", "1"}, []string{"SUBSTR", "s", "0", "1"})
	keysRunScripts(t, map[string]keysScript{
		"getrange": getrange,
		"setrange": {
			{"SETRANGE", "a", "0", "hello"}, {"GET", "a"},
			{"SETRANGE", "a", "6", "world"}, {"GET", "a"},
			{"SETRANGE", "a", "1", "EY"}, {"GET", "a"},
			{"SETRANGE", "a", "3", ""}, {"GET", "a"},
			{"SETRANGE", "b", "5", ""}, {"EXISTS", "b"},
			{"SETRANGE", "b", "3", "\x00\r\n"}, {"GET", "b"},
			{"SETRANGE", "c", "-1", "x"}, {"SETRANGE", "c", "x", "x"}, {"SETRANGE", "c", "1.5", "x"},
			{"SETRANGE", "c", "536870911", "ab"}, {"SETRANGE", "c", "536870912", "a"},
			{"SETRANGE", "c", "9223372036854775807", "x"}, {"SETRANGE", "c", "9223372036854775808", "x"},
			{"SETRANGE", "a", "536870911", "ab"}, {"SETRANGE", "a", "536870911", ""}, {"EXISTS", "c"},
			{"SET", "n", "123"}, {"SETRANGE", "n", "1", "9"}, {"INCR", "n"},
			{"SET", "t", "v", "EX", "100"}, {"SETRANGE", "t", "0", "w"}, {"TTL", "t"},
			{"SETRANGE", "a", "0"},
		},
	})
}

func TestStrings_WrongType(t *testing.T) {
	for _, typ := range []string{TypeList, TypeSet, TypeZSet, TypeHash} {
		t.Run(typ, func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) {
				keysMakeTyped(h, typ, "k")
				h.diff("SET", "s", "1")
				script := keysScript{
					{"GET", "k"}, {"STRLEN", "k"}, {"APPEND", "k", "x"}, {"GETRANGE", "k", "0", "1"},
					{"SETRANGE", "k", "0", "x"}, {"SETRANGE", "k", "0", ""}, {"GETRANGE", "k", "x", "1"}, {"SETRANGE", "k", "-1", "x"},
					{"GETDEL", "k"}, {"GETSET", "k", "v"}, {"GETEX", "k"}, {"GETEX", "k", "EX", "0"}, {"GETEX", "k", "FOO"},
					{"INCR", "k"}, {"DECR", "k"}, {"INCRBY", "k", "1"}, {"INCRBY", "k", "x"}, {"DECRBY", "k", "1"},
					{"INCRBYFLOAT", "k", "1"}, {"INCRBYFLOAT", "k", "x"},
					{"MGET", "s", "k", "s"}, {"SET", "k", "v", "GET"}, {"SET", "k", "v", "EX", "0", "GET"}, {"TYPE", "k"},
					{"SETNX", "k", "v"}, {"MSETNX", "s2", "1", "k", "v"}, {"EXISTS", "s2"},
					{"SET", "k", "v", "NX"}, {"TYPE", "k"}, {"SET", "k", "v", "XX"}, {"TYPE", "k"}, {"GET", "k"},
				}
				for _, argv := range script {
					h.diff(argv...)
				}
			})
		})
	}
}

func TestStrings_Incr(t *testing.T) {
	var s keysScript
	for _, v := range []string{"0", "1", "-1", "+1", " 1", "1 ", "01", "-0", "00", "0x10", "1e3", "1.0", "",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551616", "99999999999999999999", "123456789012345678901", "-", "\x001", "1\x00"} {
		s = append(s, []string{"SET", "k", v}, []string{"INCR", "k"}, []string{"GET", "k"},
			[]string{"SET", "k", v}, []string{"DECR", "k"}, []string{"INCRBY", "j", v}, []string{"DECRBY", "j", v},
			[]string{"EXPIRE", "nokey", v})
	}
	keysRunScripts(t, map[string]keysScript{
		"parsing": s,
		"arithmetic": {
			{"INCR", "a"}, {"INCR", "a"}, {"DECR", "a"}, {"DECR", "b"}, {"INCRBY", "a", "100"}, {"DECRBY", "a", "-50"},
			{"INCRBY", "a", "-1000"}, {"GET", "a"}, {"INCRBY", "c", "0"}, {"GET", "c"},
			{"SET", "m", "9223372036854775806"}, {"INCR", "m"}, {"INCR", "m"}, {"GET", "m"}, {"INCRBY", "m", "-1"},
			{"SET", "m", "-9223372036854775807"}, {"DECR", "m"}, {"DECR", "m"}, {"DECRBY", "m", "1"}, {"GET", "m"},
			{"SET", "m", "0"}, {"DECRBY", "m", "-9223372036854775808"}, {"DECRBY", "m", "9223372036854775807"},
			{"INCRBY", "m", "-9223372036854775808"}, {"SET", "m", "-1"}, {"INCRBY", "m", "-9223372036854775808"},
			{"SET", "m", "1"}, {"INCRBY", "m", "9223372036854775807"},
			{"SET", "t", "5", "EX", "100"}, {"INCR", "t"}, {"TTL", "t"}, {"INCRBYFLOAT", "t", "1.5"}, {"TTL", "t"},
			{"INCR", "a", "b"}, {"INCRBY", "a"}, {"DECRBY", "a", "1", "2"},
		},
	})
}

func TestStrings_IncrByFloat(t *testing.T) {
	var s keysScript
	// A fresh key per increment, and a running total on one key.
	incs := []string{"0.1", "0.2", "1e17", "3.0e-5", "10.5", "-10.5", "1", "-1", "0", "-0", "5.0e3", "1.5e-17",
		"0.000003814697265625", "0.000000000000000005", "0.000000000000000015", "-0.000000000000000001",
		"1e-20", "123456789.123456789", "3.14159265358979323846264338327950288", "1e308", "1e309", "-1e308",
		"1e4000", "1e4932", "1.18973149535723176502e+4932", "1.18973149535723176508e+4932", "1e4933",
		"1e-4940", "1e-4951", "1e-4952", "1e-5000", "0e99999999999999999999", "0x10", "0x1p3", "0X1.8P1", "-0x.8",
		"0x1p16383", "0x1p16384", "0x1p-16445", "0x1p-16446", "0x", "0x.p1", "1e", "1e+", ".5", "5.", ".", "+.5e1",
		"+1.5", " 1.5", "1.5 ", "1,5", "inf", "-inf", "Infinity", "+INF", "infinit", "nan", "NaN", "-nan", "nan(1)",
		"1.5\x00junk", "\x00", "", "abc", "1e-4950", "7.2", "8.3", "99999999999999999", "0.1e1", "00012.5", "1_000",
		"0b101", "0o17", "1.7976931348623157e308", strings.Repeat("1", 5119), strings.Repeat("1", 5120),
		"0." + strings.Repeat("0", 5000) + "1e5001",
	}
	for i, inc := range incs {
		k := fmt.Sprint("f", i)
		s = append(s, []string{"INCRBYFLOAT", k, inc}, []string{"GET", k}, []string{"INCRBYFLOAT", "total", inc},
			[]string{"SET", "v", inc}, []string{"INCRBYFLOAT", "v", "0"}, []string{"INCRBYFLOAT", "v", "0.1"})
	}
	s = append(s, []string{"GET", "total"})
	keysRunScripts(t, map[string]keysScript{
		"values": s,
		"sums": {
			{"SET", "a", "0"}, {"INCRBYFLOAT", "a", "0.1"}, {"INCRBYFLOAT", "a", "0.2"}, {"INCRBYFLOAT", "a", "0.3"},
			{"INCRBYFLOAT", "a", "-0.6"}, {"INCRBYFLOAT", "b", "1e17"}, {"INCRBYFLOAT", "b", "1"}, {"INCRBYFLOAT", "b", "0.5"},
			{"INCRBYFLOAT", "c", "1e4932"}, {"INCRBYFLOAT", "c", "1e4932"}, {"GET", "c"},
			{"SET", "d", "1.18973149535723176502e+4932"}, {"INCRBYFLOAT", "d", "1e4900"}, {"INCRBYFLOAT", "d", "-1"},
			{"INCRBYFLOAT", "e", "1e4931"}, {"INCRBYFLOAT", "e", "-1e4931"},
			{"SET", "g", "10"}, {"INCRBYFLOAT", "g", "inf"}, {"INCRBYFLOAT", "g", "-inf"}, {"GET", "g"},
			{"SET", "h", "inf"}, {"INCRBYFLOAT", "h", "1"}, {"INCRBYFLOAT", "h", "-inf"},
			{"SET", "i", "1.5"}, {"INCR", "i"}, {"INCRBYFLOAT", "i", "1"}, {"INCR", "i"},
			{"SET", "j", " 1"}, {"INCRBYFLOAT", "j", "1"}, {"SET", "j", "abc"}, {"INCRBYFLOAT", "j", "x"},
		},
	})
}
