package server

import (
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/microstax/stax/pkg/diagnose"
)

// AssistantAPIKeyEnv holds the assistant's API key: an environment
// variable, so that the key is in no process listing.
const AssistantAPIKeyEnv = "STAX_ASSISTANT_API_KEY"

// AssistantOptions configure the optional model that explains diagnoses.
// Off by default: diagnose is whole without it.
type AssistantOptions struct {
	Endpoint string
	Model    string
	Timeout  time.Duration
}

// NewAssistantOptions returns the defaults: no assistant.
func NewAssistantOptions() *AssistantOptions {
	return &AssistantOptions{Model: "gpt-4o-mini", Timeout: 20 * time.Second}
}

// AddFlags registers the assistant's flags.
func (o *AssistantOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Endpoint, "assistant-endpoint", o.Endpoint, "OpenAI-compatible chat completions URL of a model that "+
		"explains diagnoses in prose (names, addresses and secrets are anonymised before sending); empty: none. "+
		"The API key is read from $"+AssistantAPIKeyEnv+".")
	fs.StringVar(&o.Model, "assistant-model", o.Model, "Model the assistant asks for.")
	fs.DurationVar(&o.Timeout, "assistant-timeout", o.Timeout, "How long one explanation may take.")
}

// New returns the assistant, or nil when none is configured.
func (o *AssistantOptions) New() (diagnose.Assistant, error) {
	if o == nil || o.Endpoint == "" {
		return nil, nil
	}
	return diagnose.NewChatAssistant(diagnose.ChatConfig{Endpoint: o.Endpoint, Model: o.Model,
		APIKey: os.Getenv(AssistantAPIKeyEnv), Timeout: o.Timeout})
}
