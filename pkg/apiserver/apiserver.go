// Package apiserver assembles the stax.microstax.ai API group on a generic
// API server: the scheme, the codecs and the storage of every resource.
package apiserver

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/install"
	environmentstore "github.com/microstax/stax/pkg/registry/stax/environment"
	environmentrecordstore "github.com/microstax/stax/pkg/registry/stax/environmentrecord"
	"github.com/microstax/stax/pkg/registry/stax/federatedtokenrequest"
	"github.com/microstax/stax/pkg/registry/stax/identityreview"
	organizationstore "github.com/microstax/stax/pkg/registry/stax/organization"
	"github.com/microstax/stax/pkg/registry/stax/tokenrevocation"
	envruntime "github.com/microstax/stax/pkg/runtime"
)

var (
	// Scheme knows every type the server reads or writes.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes the types of Scheme.
	Codecs = serializer.NewCodecFactory(Scheme)
)

func init() {
	install.Install(Scheme)
	// Options types such as ListOptions are served from the unversioned "v1".
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	Scheme.AddUnversionedTypes(unversioned,
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
}

// Config is the generic server configuration plus ours.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	Identity      *Identity
	// Runtime runs environments; nil when the server only stores them.
	Runtime envruntime.Runtime
}

// CompletedConfig is a Config whose defaults are filled in.
type CompletedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	Identity      *Identity
	Runtime       envruntime.Runtime
}

// Complete fills in defaults.
func (c *Config) Complete() CompletedConfig {
	return CompletedConfig{GenericConfig: c.GenericConfig.Complete(), Identity: c.Identity, Runtime: c.Runtime}
}

// Server is a running stax.microstax.ai API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

// New builds the server and installs every resource of the group.
func (c CompletedConfig) New() (*Server, error) {
	generic, err := c.GenericConfig.New("stax-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}

	var logs environmentstore.LogSource
	if c.Runtime != nil {
		logs = c.Runtime
	}
	// Open log follows end as shutdown begins: the HTTP server would
	// otherwise wait its whole timeout for them.
	shuttingDown := make(chan struct{})
	generic.AddPreShutdownHookOrDie("stax-end-log-follows", func() error {
		close(shuttingDown)
		return nil
	})
	envs, err := environmentstore.NewStorage(Scheme, c.GenericConfig.RESTOptionsGetter, logs, shuttingDown)
	if err != nil {
		return nil, err
	}
	records, err := environmentrecordstore.NewREST(Scheme, c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, err
	}
	revocations, err := tokenrevocation.NewREST(Scheme, c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, err
	}
	orgs, err := organizationstore.NewREST(Scheme, c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, err
	}

	group := genericapiserver.NewDefaultAPIGroupInfo(stax.GroupName, Scheme, ParameterCodec, Codecs)
	group.NegotiatedSerializer = acceptEmptyActionBody(group.NegotiatedSerializer)
	group.VersionedResourcesStorageMap["v1alpha1"] = map[string]rest.Storage{
		"environments":        envs.Environment,
		"environments/status": envs.Status,
		"environments/stop":   envs.Stop,
		"environments/resume": envs.Resume,
		// kube-apiserver spares only subresources named "log" from its
		// request timeout, so followers through it use this name.
		"environments/log": envs.Log,
		// The former name: the same answer with a Warning header.
		"environments/logs":  envs.Logs,
		"environmentrecords": records,
		"tokenrevocations":   revocations,
		"organizations":      orgs,
		// Identity endpoints: answered, never stored.
		"identityreviews":        identityreview.NewREST(c.Identity.Verifier),
		"federatedtokenrequests": federatedtokenrequest.NewREST(c.Identity.Issuer),
	}
	if err := generic.InstallAPIGroup(&group); err != nil {
		return nil, err
	}
	installIdentityEndpoints(generic.Handler.NonGoRestfulMux, c.Identity)
	return &Server{GenericAPIServer: generic}, nil
}
