package runtime

// SecretValues are the values of the plan's secret variables: what Redact
// hides in the environment's logs.
func (p Plan) SecretValues() []string {
	var out []string
	for _, s := range p.Services {
		for _, e := range s.Env {
			if e.Secret && e.Value != "" {
				out = append(out, e.Value)
			}
		}
	}
	return out
}

// WithoutSecretValues is a copy of the plan whose secret variables have no
// value, for whatever a runtime writes down; the controller resolves them
// again on every Apply.
func (p Plan) WithoutSecretValues() Plan {
	out := p
	out.Services = make([]ServicePlan, len(p.Services))
	for i, s := range p.Services {
		s.Env = append([]EnvVar(nil), s.Env...)
		for j := range s.Env {
			if s.Env[j].Secret {
				s.Env[j].Value = ""
			}
		}
		out.Services[i] = s
	}
	return out
}
