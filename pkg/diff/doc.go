// Package diff compares what two versions of a service answered to the same
// request and tells behaviour changes from noise, as Twitter's Diffy does:
// every sampled request is answered by the primary (the baseline's
// version), by a secondary (a second instance of the same version) and by
// the candidate (the overlay's version). A difference between primary and
// secondary is noise — timestamps, request ids, random values — and a field
// of an endpoint is reported only when primary and candidate differ on it
// clearly more often than primary and secondary do.
//
// It is a library with no API machinery: the mirroring fronts feed it
// Exchanges and publish its Report.
package diff
