package engine

// FUNCTION DUMP's payload, in Redis 7.0's format (functionDumpCommand,
// rdbSaveFunctions), which FUNCTION RESTORE reads from memshard and from
// redis-server alike:
//
//	payload := library* | version:u16le | crc:u64le
//	library := 0xF5 (RDB_OPCODE_FUNCTION2) | string (the library's code)
//	         | 0xF6 (RDB_OPCODE_FUNCTION, Redis 7.0's release candidates)
//	           | string (name) | string (engine) | len (has a description)
//	           | [string (description)] | string (code after the shebang)
//	string  := len | bytes
//	         | 0xC0 int8 | 0xC1 int16le | 0xC2 int32le (the decimal digits)
//	         | 0xC3 | len (compressed) | len (uncompressed) | LZF data
//	len     := 00xxxxxx | 01xxxxxx xxxxxxxx | 0x80 u32be | 0x81 u64be
//
// The version is the RDB format's, 10 for Redis 7.0: a payload of a newer
// one is refused. The CRC is Redis's crc64 (Jones polynomial, reflected,
// no initial or final inversion) of everything before it. Redis compresses
// a string longer than 20 bytes with LZF (rdbcompression, on by default)
// when that saves at least 4 bytes, as memshard does.

const (
	rdbOpcodeFunction    = 246 // RDB_OPCODE_FUNCTION, before Redis 7.0's release
	rdbOpcodeFunction2   = 245 // RDB_OPCODE_FUNCTION2
	errBadFunctionDump   = "DUMP payload version or checksum are wrong"
	errBadLibraryPayload = "Failed loading library payload"
)

// encodeFunctionPayload returns FUNCTION DUMP's payload for the libraries'
// codes, in order. A library's code starts with "#!": appendRDBString
// never stores it as an integer.
func encodeFunctionPayload(codes [][]byte) []byte {
	var b []byte
	for _, code := range codes {
		b = append(b, rdbOpcodeFunction2)
		b = appendRDBString(b, code)
	}
	return appendDumpFooter(b)
}

// decodeFunctionPayload returns the codes of the libraries in a FUNCTION
// RESTORE payload, in order, as functionRestoreCommand reads them: after
// the version and checksum check, elements up to the last 10 bytes (a
// string may run into them). err is Redis's error (without its code) for
// what follows the codes returned, "" if nothing does.
func decodeFunctionPayload(data []byte) (codes [][]byte, err string) {
	if !verifyFunctionPayload(data) {
		return nil, errBadFunctionDump
	}
	r := &rdbReader{b: data}
	for len(data)-r.pos > 10 {
		var code []byte
		switch typ := r.b[r.pos]; typ {
		case rdbOpcodeFunction2:
			r.pos++
			var ok bool
			if code, ok = r.str(); !ok {
				return codes, errBadLibraryPayload
			}
		case rdbOpcodeFunction:
			r.pos++
			if code, err = r.preGALibrary(); err != "" {
				return codes, err
			}
		default:
			return codes, "given type is not a function"
		}
		codes = append(codes, code)
	}
	return codes, ""
}

// verifyFunctionPayload is verifyDumpPayload (rdb.go).
func verifyFunctionPayload(p []byte) bool { return verifyDumpPayload(p) }

// preGALibrary reads a library of Redis 7.0's release candidates: its
// name, engine, description and code become the shebang and code a
// library has now (rdbFunctionLoad, which prints them as C strings).
func (r *rdbReader) preGALibrary() ([]byte, string) {
	name, ok := r.str()
	if !ok {
		return nil, "Failed loading library name"
	}
	engine, ok := r.str()
	if !ok {
		return nil, "Failed loading engine name"
	}
	hasDesc, _, ok := r.readLen()
	if !ok || hasDesc == rdbLenErr {
		return nil, "Failed loading library description indicator"
	}
	if hasDesc != 0 {
		if _, ok := r.str(); !ok {
			return nil, "Failed loading library description"
		}
	}
	code, ok := r.str()
	if !ok {
		return nil, "Failed loading library blob"
	}
	out := append([]byte("#!"), cString(engine)...)
	out = append(append(out, " name="...), cString(name)...)
	return append(append(out, '\n'), cString(code)...), ""
}
