package app

import "runtime/debug"

// servingGCPercent is GOGC for a serving instance. Its live heap is a few
// MB and every page view leaves some 20 KB of garbage, so at Go's default
// (100, with a 4 MB floor) the collector ran dozens of times a second under
// load; with stacks shrunk and regrown each cycle it cost the signed-in
// page over a third of its throughput under wrk (bench/RESULTS.md). At 400
// the heap grows to five times its live size between collections. The
// benchmark, serving in process, sets it too.
const servingGCPercent = 400

// TuneGC sets servingGCPercent unless GOGC or GOMEMLIMIT says otherwise:
// an operator's setting wins.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(servingGCPercent)
	}
}
