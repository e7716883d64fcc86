package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Labels and annotations the runtime puts on what it creates.
const (
	LabelOrganization = "stax.microstax.ai/organization"
	LabelEnvironment  = "stax.microstax.ai/environment"
	LabelService      = "stax.microstax.ai/service"
	LabelManagedBy    = "app.kubernetes.io/managed-by"
	managedByValue    = "stax"

	// AnnotationReplicas on a Deployment is its replica count before Stop.
	AnnotationReplicas = "stax.microstax.ai/replicas"
	// AnnotationServices on the namespace lists the plan's services in order.
	AnnotationServices = "stax.microstax.ai/services"
	// AnnotationBaseline on an overlay's namespace names its baseline's
	// environment, so that Delete finds the routes to remove.
	AnnotationBaseline = "stax.microstax.ai/baseline"

	// FieldManager owns what Apply writes.
	FieldManager = "stax-runtime"
	// stopFieldManager owns the scale to zero, so that Apply, which does not
	// send the annotation, does not silently own it.
	stopFieldManager = "stax-runtime-stop"
)

const maxNameLen = 63

// NamespaceName is the namespace of an environment: "stax-<org>-<env>".
// Environment names are DNS subdomains: a name with dots (which namespaces
// may not have) or longer than 63 characters becomes its first 54
// characters, dots as dashes, plus "-" and a hash of org and env, so that
// distinct environments keep distinct namespaces.
func NamespaceName(org, env string) string {
	name := "stax-" + org + "-" + env
	if len(name) <= maxNameLen && !strings.Contains(name, ".") {
		return name
	}
	return shorten(strings.ReplaceAll(name, ".", "-"), org+"/"+env)
}

// labelValue fits an organization or environment name into a label value
// (at most 63 characters) the same way.
func labelValue(v string) string {
	if len(v) <= maxNameLen {
		return v
	}
	return shorten(v, v)
}

// shorten cuts name to 54 characters and appends "-" and 8 hex digits of a
// SHA-256 of key.
func shorten(name, key string) string {
	sum := sha256.Sum256([]byte(key))
	if len(name) > maxNameLen-9 {
		name = name[:maxNameLen-9]
	}
	return strings.TrimRight(name, "-.") + "-" + hex.EncodeToString(sum[:4])
}

// envLabels select everything of one environment.
func envLabels(org, env string) map[string]string {
	return map[string]string{
		LabelManagedBy:    managedByValue,
		LabelOrganization: labelValue(org),
		LabelEnvironment:  labelValue(env),
	}
}

// serviceLabels select one service's pods; they are the Deployment selector.
func serviceLabels(org, env, svc string) map[string]string {
	l := envLabels(org, env)
	delete(l, LabelManagedBy)
	l[LabelService] = svc
	return l
}
