// Package apiserver assembles the stax.microstax.ai API group on a generic
// API server: the scheme, the codecs and the storage of every resource.
package apiserver

import (
	"context"
	"errors"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	unionauthn "k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authentication/request/websocket"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	unionauthz "k8s.io/apiserver/pkg/authorization/union"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/utils/clock"

	"github.com/microstax/stax/pkg/activity"
	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/install"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/compliance"
	"github.com/microstax/stax/pkg/diagnose"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	"github.com/microstax/stax/pkg/quota"
	"github.com/microstax/stax/pkg/ratelimit"
	baselinestore "github.com/microstax/stax/pkg/registry/stax/baseline"
	environmentstore "github.com/microstax/stax/pkg/registry/stax/environment"
	environmentdiffstore "github.com/microstax/stax/pkg/registry/stax/environmentdiff"
	environmentrecordstore "github.com/microstax/stax/pkg/registry/stax/environmentrecord"
	"github.com/microstax/stax/pkg/registry/stax/federatedtokenrequest"
	"github.com/microstax/stax/pkg/registry/stax/identityreview"
	organizationstore "github.com/microstax/stax/pkg/registry/stax/organization"
	secretstore "github.com/microstax/stax/pkg/registry/stax/secret"
	stubstore "github.com/microstax/stax/pkg/registry/stax/stub"
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

// ExtraConfig is what the stax.microstax.ai group adds to the generic
// server configuration.
type ExtraConfig struct {
	// Identity issues and verifies hybrid tokens.
	Identity *Identity
	// OwnsBearerTokens says no authenticator after ours takes bearer tokens
	// (standalone), so a token the verifier refuses is a 401; aggregated,
	// delegated TokenReview may accept others.
	OwnsBearerTokens bool
	// Runtime runs environments; nil when the server only stores them.
	Runtime envruntime.Runtime
	// Assistant, when set, explains diagnoses in prose.
	Assistant diagnose.Assistant
	// Activity records when each environment was last named in a request,
	// for the idle timeout; Complete makes one when nil.
	Activity *activity.Tracker
	// Authenticators run before the generic config's, in order; Complete
	// puts the token authenticators of Identity first.
	Authenticators []authenticator.Request
	// Authorizers run before the generic config's, in order; Complete puts
	// the organization scope first.
	Authorizers []unionauthz.NamedAuthorizer
	// Client is a loopback client of the group.
	Client versioned.Interface
	// Informers is the one informer factory of the group that the server and
	// its controllers share. Register informers before the server runs: a
	// post-start hook starts the factory once.
	Informers externalversions.SharedInformerFactory
	// BlueprintLimits bound environments' blueprints; zero fields take
	// validation.DefaultLimits.
	BlueprintLimits validation.Limits
	// MaxYAMLExpandedBytes bounds a YAML body with its aliases written out;
	// 0 is the generic config's MaxRequestBodyBytes.
	MaxYAMLExpandedBytes int64
	// Clock, when set, is the "now" of usage answers (tests inject one).
	Clock clock.PassiveClock
	// MaxStubDocumentBytes bounds a document uploaded to stubs/{name}/document;
	// 0 is stubstore.DefaultMaxDocumentBytes.
	MaxStubDocumentBytes int64
	// Compliance, when set, counts organizations' requests and their audit
	// coverage for the compliance report; its filters and audit tap are
	// installed by Complete, its flushes run from a post-start hook.
	Compliance *compliance.Recorder
	// ComplianceFlushInterval is how often Compliance adds to etcd; 0 is
	// compliance.DefaultFlushInterval.
	ComplianceFlushInterval time.Duration
	// ActivityWriteInterval is how often the use Activity saw is written
	// to the environments' status.lastUsedTime, for the idle timeout of
	// other replicas' controllers; 0 never (replicas.go).
	ActivityWriteInterval time.Duration
	// RequestLimitShare, when set, is this replica's part of an
	// organization's request limit (replicas.go); nil enforces the whole.
	RequestLimitShare func(limit int) int
}

// Config is the generic server configuration plus ours.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig
}

type completedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	*ExtraConfig
}

// CompletedConfig is a Config whose defaults are filled in; only Complete
// makes one.
type CompletedConfig struct {
	*completedConfig
}

// Complete fills in defaults and puts the authentication and authorization
// chains of ExtraConfig in front of the generic config's. Call it once.
func (cfg *Config) Complete() (CompletedConfig, error) {
	extra := cfg.ExtraConfig
	if extra.Activity == nil {
		extra.Activity = activity.NewTracker(stax.GroupName)
	}
	if extra.Identity != nil {
		tokens := auth.NewTokenAuthenticator(extra.Identity.Verifier, extra.Identity.IssuerURL, extra.OwnsBearerTokens)
		extra.Authenticators = append([]authenticator.Request{
			bearertoken.New(tokens),
			websocket.NewProtocolAuthenticator(tokens),
		}, extra.Authenticators...)
		extra.Authorizers = append([]unionauthz.NamedAuthorizer{
			{AuthorizerName: "stax.microstax.ai/organization-scope", Authorizer: auth.NewOrganizationScope()},
		}, extra.Authorizers...)
	}
	generic := cfg.GenericConfig
	generic.Authentication.Authenticator = chainAuthenticators(extra.Authenticators, generic.Authentication.Authenticator)
	authz, err := chainAuthorizers(extra.Authorizers, generic.Authorization.Authorizer)
	if err != nil {
		return CompletedConfig{}, err
	}
	generic.Authorization.Authorizer = authz
	buildChain := generic.BuildHandlerChainFunc
	if buildChain == nil {
		buildChain = genericapiserver.DefaultBuildHandlerChain
	}
	tracker := extra.Activity
	var quotas func(string) int
	if extra.Informers != nil {
		quotas = shareOf(requestsPerMinute(extra.Informers.Stax().V1alpha1().Organizations().Lister()), extra.RequestLimitShare)
	}
	limiter := ratelimit.NewLimiter()
	yamlBudget := extra.MaxYAMLExpandedBytes
	if yamlBudget == 0 {
		yamlBudget = generic.MaxRequestBodyBytes
	}
	counters := extra.Compliance
	if counters != nil {
		// Each event a backend accepts marks its request audited.
		generic.AuditBackend = counters.Tap(generic.AuditBackend)
	}
	generic.BuildHandlerChainFunc = func(h http.Handler, c *genericapiserver.Config) http.Handler {
		// Inside out: every request that names an environment counts as
		// its use, once its body passed the YAML budget and the
		// organization's request quota let it through.
		h = tracker.Wrap(h)
		h = limitYAMLExpansion(h, yamlBudget, c.MaxRequestBodyBytes, c.Serializer)
		if quotas != nil {
			h = ratelimit.WithOrganizations(h, limiter, auth.OrganizationOf, quotas, c.Serializer)
		}
		if counters == nil {
			return buildChain(h, c)
		}
		// Requests are counted once authorized, refused ones included;
		// a mutating one is judged outside the whole chain, once the
		// audit filter has sent its events.
		return counters.WithMutations(buildChain(counters.WithRequests(h), c))
	}
	return CompletedConfig{&completedConfig{GenericConfig: generic.Complete(), ExtraConfig: &extra}}, nil
}

// chainAuthenticators puts extra authenticators in front of the mode's own.
// A request none of them recognises goes on to the mode's chain (client
// certificates, delegation, anonymous); credentials one of them refuses end
// the request with 401 instead of falling through to anonymous.
func chainAuthenticators(extra []authenticator.Request, base authenticator.Request) authenticator.Request {
	if len(extra) == 0 {
		return base
	}
	if base == nil {
		return unionauthn.New(extra...)
	}
	return unionauthn.NewFailOnError(unionauthn.New(extra...), base)
}

// chainAuthorizers puts extra authorizers in front of the mode's own; the
// first to allow or deny decides.
func chainAuthorizers(extra []unionauthz.NamedAuthorizer, base authorizer.Authorizer) (authorizer.Authorizer, error) {
	if len(extra) == 0 {
		return base, nil
	}
	chain := append([]unionauthz.NamedAuthorizer{}, extra...)
	if base != nil {
		chain = append(chain, unionauthz.NamedAuthorizer{AuthorizerName: "mode", Authorizer: base})
	}
	return unionauthz.New(chain...)
}

// Server is a running stax.microstax.ai API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

// New builds the server and installs every resource of the group.
func (c CompletedConfig) New() (*Server, error) {
	if c.Identity == nil || c.Informers == nil {
		return nil, errors.New("stax-apiserver needs an identity and an informer factory")
	}
	generic, err := c.GenericConfig.New("stax-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	// Revoked tokens are refused on every replica: each one watches them.
	if err := auth.FeedRevocations(c.Informers.Stax().V1alpha1().TokenRevocations(), c.Identity.Revoker); err != nil {
		return nil, err
	}
	writeActivity(generic, c.Activity, c.Client, c.ActivityWriteInterval)
	informers := c.Informers
	generic.AddPostStartHookOrDie("stax-start-informers", func(hook genericapiserver.PostStartHookContext) error {
		informers.Start(hook.Done())
		return nil
	})

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
	envs, err := environmentstore.NewStorage(Scheme, c.GenericConfig.RESTOptionsGetter, logs, shuttingDown, c.BlueprintLimits)
	if err != nil {
		return nil, err
	}
	records, err := environmentrecordstore.NewREST(Scheme, c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, err
	}
	revocations, err := tokenrevocation.NewREST(Scheme, c.GenericConfig.RESTOptionsGetter, c.Identity.Keys.LatestExpiry)
	if err != nil {
		return nil, err
	}
	orgs, err := organizationstore.NewREST(Scheme, c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, err
	}
	secrets, err := secretstore.NewStorage(Scheme, c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, err
	}
	// Baselines and environments read each other: a promotion reads its
	// environment; an environment's update, stop and delete read the
	// baselines made from it and their overlays.
	baselines, err := baselinestore.NewStorage(Scheme, c.GenericConfig.RESTOptionsGetter, envs.Environment)
	if err != nil {
		return nil, err
	}
	envs.Environment.SetBaselines(baselines.Baseline)
	// An overlay is an Environment: its create is judged as a direct one.
	baselines.Overlays.Admit = c.GenericConfig.AdmissionControl
	baselines.Overlays.Authorize = c.GenericConfig.Authorization.Authorizer
	stubs, err := stubstore.NewStorage(Scheme, c.GenericConfig.RESTOptionsGetter, c.MaxStubDocumentBytes)
	if err != nil {
		return nil, err
	}
	envs.Diagnose.Assistant = c.Assistant
	// Diffs are written by the fronts for an existing overlay and read
	// through environments/diffs.
	diffs, err := environmentdiffstore.NewREST(Scheme, c.GenericConfig.RESTOptionsGetter, envs.Environment)
	if err != nil {
		return nil, err
	}
	envs.Diffs.Diffs = diffs
	quotas, err := quotaIndex(c.Informers.Stax().V1alpha1().Organizations(), orgs.Store)
	if err != nil {
		return nil, err
	}
	envs.Environment.Quota = quota.NewEnforcer(orgs, envs.Environment, quotas.Limited)

	usage := organizationstore.NewUsageREST(orgs, envs.Environment, records, baselines.Baseline)
	usage.LastUsed = c.Activity.Last
	if c.Clock != nil {
		usage.SetClock(c.Clock)
	}

	var counters organizationstore.Counters
	if c.Compliance != nil {
		counters = c.Compliance
		interval := c.ComplianceFlushInterval
		if interval == 0 {
			interval = compliance.DefaultFlushInterval
		}
		recorder := c.Compliance
		generic.AddPostStartHookOrDie("stax-flush-compliance-counters", func(hook genericapiserver.PostStartHookContext) error {
			go recorder.Run(hook, interval)
			return nil
		})
		// While etcd is surely still there; Run flushes what comes after.
		generic.AddPreShutdownHookOrDie("stax-flush-compliance-counters", func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return recorder.Flush(ctx)
		})
	}
	report := organizationstore.NewComplianceReportREST(orgs, envs.Environment, counters)
	if c.Clock != nil {
		report.SetClock(c.Clock)
	}

	group := genericapiserver.NewDefaultAPIGroupInfo(stax.GroupName, Scheme, ParameterCodec, Codecs)
	group.NegotiatedSerializer = acceptEmptyActionBody(readTypeMetaOffTheFront(group.NegotiatedSerializer))
	group.VersionedResourcesStorageMap["v1alpha1"] = map[string]rest.Storage{
		"environments":        envs.Environment,
		"environments/status": envs.Status,
		"environments/stop":   envs.Stop,
		"environments/resume": envs.Resume,
		// kube-apiserver spares only subresources named "log" from its
		// request timeout, so followers through it use this name.
		"environments/log": envs.Log,
		// The former name: the same answer with a Warning header.
		"environments/logs": envs.Logs,
		// Computed, never stored: findings and remediations.
		"environments/diagnose": envs.Diagnose,
		// spec.shadow, written here only; the overlay's diffs, filtered.
		"environments/shadow": envs.Shadow,
		"environments/diffs":  envs.Diffs,
		"environmentdiffs":    diffs,
		"environmentrecords":  records,
		"baselines":           baselines.Baseline,
		"baselines/status":    baselines.Status,
		"baselines/overlays":  baselines.Overlays,
		"tokenrevocations":    revocations,
		"organizations":       orgs,
		"organizations/usage": usage,
		// Computed from the request counters and the environments.
		"organizations/compliancereport": report,
		"secrets":                        secrets.Secret,
		// The values, for the platform only.
		"secrets/values": secrets.Values,
		"stubs":          stubs.Stub,
		// A document of any size up to the limit, streamed in chunks.
		"stubs/document": stubs.Document,
		// Written by the organization's admins and the platform only.
		"organizations/driftpolicy": organizationstore.NewDriftPolicyREST(orgs),
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
