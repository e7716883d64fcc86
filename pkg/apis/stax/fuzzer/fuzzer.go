// Package fuzzer fills stax types with random values that defaulting would
// leave unchanged, so round-trip tests compare like with like.
package fuzzer

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/randfill"

	"github.com/microstax/stax/pkg/apis/stax"
)

// Funcs returns the fuzzer functions of the stax group.
var Funcs = func(codecs runtimeserializer.CodecFactory) []interface{} {
	return []interface{}{
		func(s *stax.ServiceSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			if s.Replicas == nil {
				r := c.Int31()
				s.Replicas = &r
			}
			if s.Stub != nil {
				// What the defaults give a stub service.
				if len(s.Ports) == 0 {
					s.Ports = []stax.ServicePort{{Name: "http", Port: 8080, Protocol: stax.ProtocolTCP, AppProtocol: stax.AppProtocolHTTP}}
				}
				if s.Health == nil {
					s.Health = &stax.HealthCheck{HTTP: &stax.HTTPHealthCheck{Path: stax.StubHealthPath,
						Port: intstr.FromString(s.Ports[0].Name)}, PeriodSeconds: 10, FailureThreshold: 3}
				}
			}
		},
		func(p *stax.ServicePort, c randfill.Continue) {
			c.FillNoCustom(p)
			if p.Protocol == "" {
				p.Protocol = stax.ProtocolTCP
			}
		},
		func(o *stax.OrganizationSpec, c randfill.Continue) {
			c.FillNoCustom(o)
			if o.Tier == "" {
				o.Tier = stax.TierStandard
			}
		},
		func(r *stax.FederatedTokenRequestSpec, c randfill.Continue) {
			c.FillNoCustom(r)
			if r.ExpirationSeconds == nil {
				s := c.Int63()
				r.ExpirationSeconds = &s
			}
		},
		func(p *stax.DriftPolicy, c randfill.Continue) {
			c.FillNoCustom(p)
			if p.Mode == "" {
				p.Mode = stax.DriftOff
			}
			if p.GracePeriod == nil {
				p.GracePeriod = &metav1.Duration{Duration: time.Minute}
			}
		},
		func(s *stax.ShadowSpec, c randfill.Continue) {
			c.FillNoCustom(s)
			if s.Percent == nil {
				p := c.Int31()
				s.Percent = &p
			}
			if len(s.Methods) == 0 {
				s.Methods = []string{"GET"}
			}
		},
		func(h *stax.HealthCheck, c randfill.Continue) {
			c.FillNoCustom(h)
			if h.PeriodSeconds == 0 {
				h.PeriodSeconds = 10
			}
			if h.FailureThreshold == 0 {
				h.FailureThreshold = 3
			}
		},
	}
}
