package engine

// Keyspace hits and misses of the GEO commands (see TestKeyspaceStats):
// GEOADD writes (no count); the others read their source once, before
// parsing anything, whatever the options say; a *STORE's destination is
// written, not read.
func init() {
	keyspaceCases["geo"] = []keyspaceCase{
		{"GEOADD zset 1 1 a", 0, 0}, {"GEOADD nokey 1 1 a", 0, 0}, {"GEOADD str 1 1 a", 0, 0}, {"GEOADD xzset 1 1 a", 0, 0},
		{"GEOADD zset 500 1 a", 0, 0},
		{"GEODIST zset a b", 1, 0}, {"GEODIST nokey a b", 0, 1}, {"GEODIST xzset a b", 0, 1}, {"GEODIST str a b", 1, 0},
		{"GEODIST zset a b yd", 0, 0},
		{"GEOHASH zset a b", 1, 0}, {"GEOHASH nokey a", 0, 1}, {"GEOHASH xzset a", 0, 1}, {"GEOHASH list a", 1, 0},
		{"GEOPOS zset a c", 1, 0}, {"GEOPOS nokey a", 0, 1}, {"GEOPOS xzset a", 0, 1}, {"GEOPOS hash a", 1, 0},
		{"GEOSEARCH zset FROMMEMBER a BYRADIUS 1 km", 1, 0}, {"GEOSEARCH nokey FROMMEMBER a BYRADIUS 1 km", 0, 1},
		{"GEOSEARCH xzset FROMLONLAT 0 0 BYBOX 1 1 km", 0, 1}, {"GEOSEARCH str FROMMEMBER a BYRADIUS 1 km", 1, 0},
		{"GEOSEARCH zset FOO", 0, 0}, {"GEOSEARCH zset FOO a b c d", 1, 0}, {"GEOSEARCH zset FROMMEMBER nosuch BYRADIUS 1 km", 1, 0},
		{"GEOSEARCHSTORE dst zset FROMMEMBER a BYRADIUS 1000 km", 1, 0}, {"GEOSEARCHSTORE dst nokey FROMMEMBER a BYRADIUS 1 km", 0, 1},
		{"GEOSEARCHSTORE zset2 xzset FROMLONLAT 0 0 BYRADIUS 1 km", 0, 1}, {"GEOSEARCHSTORE dst set FROMLONLAT 0 0 BYRADIUS 1 km", 1, 0},
		{"GEOSEARCHSTORE str zset FROMLONLAT 0 0 BYRADIUS 1000 km STOREDIST", 1, 0},
		{"GEORADIUS zset 0 0 1000 km", 1, 0}, {"GEORADIUS nokey 0 0 1 km", 0, 1}, {"GEORADIUS xzset 0 0 1 km", 0, 1},
		{"GEORADIUS zset 0 0 1000 km STORE dst", 1, 0}, {"GEORADIUS zset 0 0 1000 km STOREDIST zset2", 1, 0},
		{"GEORADIUS zset 500 0 1 km", 1, 0}, {"GEORADIUS list 0 0 1 km", 1, 0},
		{"GEORADIUS_RO zset 0 0 1000 km", 1, 0}, {"GEORADIUS_RO nokey 0 0 1 km", 0, 1}, {"GEORADIUS_RO zset 0 0 1 km STORE x", 1, 0},
		{"GEORADIUSBYMEMBER zset a 1000 km", 1, 0}, {"GEORADIUSBYMEMBER nokey a 1 km", 0, 1}, {"GEORADIUSBYMEMBER xzset a 1 km STORE dst", 0, 1},
		{"GEORADIUSBYMEMBER zset nosuch 1 km", 1, 0}, {"GEORADIUSBYMEMBER str a 1 km", 1, 0},
		{"GEORADIUSBYMEMBER_RO zset a 1000 km", 1, 0}, {"GEORADIUSBYMEMBER_RO nokey a x km", 0, 1},
	}
}
