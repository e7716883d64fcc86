package diffpublish

import (
	"time"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/diff"
)

// Stored is the part of a stored report that counts from since on, as a
// diff.Report to seed a new engine with (diff.Engine.Restore): the
// endpoints whose lastSeen is at or after since. An endpoint last seen
// before since belongs to an earlier window of mirroring (shadow turned
// off and on again) and is left out. Rates and verdicts are not read back:
// the engine decides them from the counts.
func Stored(r staxv1.DiffReport, since time.Time) diff.Report {
	var out diff.Report
	for _, e := range r.Endpoints {
		if e.LastSeen == nil || e.LastSeen.Time.Before(since) {
			continue
		}
		er := diff.EndpointReport{Endpoint: e.Endpoint, Requests: e.Requests}
		for _, f := range e.Fields {
			fr := diff.FieldReport{Field: f.Field, Kind: f.Kind, Raw: f.Raw, Noise: f.Noise}
			for _, ex := range f.Examples {
				fr.Examples = append(fr.Examples, diff.Example{Request: ex.Request, Primary: ex.Primary, Candidate: ex.Candidate})
			}
			er.Fields = append(er.Fields, fr)
		}
		out.Endpoints = append(out.Endpoints, er)
	}
	if len(out.Endpoints) == 0 {
		return out
	}
	if r.Since != nil {
		out.Since = r.Since.Time
		if out.Since.Before(since) {
			out.Since = since
		}
	}
	if r.Updated != nil {
		out.Updated = r.Updated.Time
	}
	return out
}
