package server

import (
	"strings"
)

// INFO [section ...]: Redis 7.0's sections and fields, in its order, "#
// Name" headers and name:value lines separated by CRLF, sections by an
// empty line; a verbatim string in RESP3.
//
// Every field Redis 7.0 prints is printed, in its place, so that a tool
// reading Redis's fields finds them where Redis has them: with memshard's
// value where memshard has the notion, else the value an idle Redis with
// persistence off prints (0, ok, -1). memshard's own fields
// (memshard_*, the backend's quorumlog_*) follow Redis's in their section.
// A field of Backend.Info that Redis also has replaces the server's value
// in place (loading, rdb_changes_since_last_save, expired_keys, ...).
//
// Section selection is genInfoSectionDict's: no argument or "default" is
// the default sections, "all" every section, "everything" every section
// and modules' (memshard has none); names are case-insensitive, unknown
// ones print nothing.

// infoSections are INFO's sections in Redis's order.
var infoSections = []string{
	"server", "clients", "memory", "persistence", "stats", "replication", "cpu",
	"modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace",
}

// infoDefault are the sections of INFO and INFO default. module_list
// selects the Modules section without modules' own sections.
var infoDefault = []string{
	"server", "clients", "memory", "persistence", "stats", "replication", "cpu",
	"module_list", "errorstats", "cluster", "keyspace",
}

// infoField is one name:value line.
type infoField struct{ name, value string }

func infoCmd(c *conn, argv [][]byte) Ticket {
	want, all := infoSelection(argv[1:])
	var b strings.Builder
	n := 0
	for _, sec := range infoSections {
		if !all && !want[sec] && (sec != "modules" || !want["module_list"]) {
			continue
		}
		if n > 0 {
			b.WriteString("\r\n")
		}
		n++
		b.WriteString("# ")
		b.WriteString(infoTitle(sec))
		b.WriteString("\r\n")
		for _, f := range c.s.infoFields(sec) {
			b.WriteString(f.name)
			b.WriteByte(':')
			b.WriteString(f.value)
			b.WriteString("\r\n")
		}
	}
	c.verbatim(b.String())
	return 0
}

// infoSelection returns the sections args name, or all of them.
func infoSelection(args [][]byte) (want map[string]bool, all bool) {
	want = make(map[string]bool)
	if len(args) == 0 {
		args = [][]byte{[]byte("default")}
	}
	for _, a := range args {
		switch name := strings.ToLower(string(a)); name {
		case "default":
			for _, sec := range infoDefault {
				want[sec] = true
			}
		case "all", "everything":
			all = true
		default:
			want[name] = true
		}
	}
	return want, all
}

func infoTitle(sec string) string {
	if sec == "cpu" {
		return "CPU"
	}
	return strings.ToUpper(sec[:1]) + sec[1:]
}

// infoFields returns a section's fields: Redis's, then memshard's, merged
// with the backend's.
func (s *Server) infoFields(sec string) []infoField {
	var fields, extra []infoField
	switch sec {
	case "server":
		fields, extra = s.serverFields()
	case "clients":
		fields = s.clientsFields()
	case "memory":
		fields = s.memoryFields()
	case "persistence":
		fields = s.persistenceFields()
	case "stats":
		fields = s.statsFields()
	case "replication":
		fields, extra = s.replicationFields()
	case "cpu":
		fields = cpuFields()
	case "commandstats":
		return s.stats.info.cmds.fields()
	case "errorstats":
		return s.stats.info.errs.fields()
	case "latencystats":
		if s.configValue("latency-tracking") == "no" {
			return nil
		}
		return s.stats.info.cmds.latencyFields(s.infoPercentiles())
	case "cluster":
		fields = []infoField{{"cluster_enabled", "1"}}
	}
	fields = append(fields, extra...)
	for _, f := range parseInfoLines(s.backend.Info(sec)) {
		if sec == "stats" {
			f.value = s.stats.info.sinceReset(f.name, f.value)
		}
		fields = setField(fields, f)
	}
	return fields
}

// setField replaces the value of f's field in fields, or appends f.
func setField(fields []infoField, f infoField) []infoField {
	for i := range fields {
		if fields[i].name == f.name {
			fields[i].value = f.value
			return fields
		}
	}
	return append(fields, f)
}

// parseInfoLines parses Backend.Info's "name:value" lines.
func parseInfoLines(text string) []infoField {
	var out []infoField
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if name, value, ok := strings.Cut(line, ":"); ok && name != "" {
			out = append(out, infoField{name, value})
		}
	}
	return out
}
