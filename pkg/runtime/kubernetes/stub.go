package kubernetes

import (
	"context"
	"maps"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/microstax/stax/pkg/runtime"
	"github.com/microstax/stax/pkg/stubaccess"
)

// A stub service (runtime.ServicePlan.Stub) runs the stax-stub image with
// the same flags as on the local runtime, listening on the service's first
// port, and reads its Stub through the API with a credential of its own:
//
//   - <svc>-stub, a Secret of type StubCredentialType: "token", a stub
//     reader's token of the organization minted at each Apply and again
//     past half its lifetime (stubrefresh.go), and "kubeconfig", the API's
//     address with the token read from the file beside it (so the
//     kubelet's refresh of the mount reaches it);
//   - the Deployment mounts it at stubMount.

// DefaultStubImage is the image of cmd/stax-stub the runtime runs for stub
// services unless Config.StubImage says otherwise.
const DefaultStubImage = "ghcr.io/microstax/stax-stub:latest"

// StubCredentialType is the type of a stub service's credential Secret;
// SecretValues hides its token, not its kubeconfig, from logs.
const StubCredentialType corev1.SecretType = "stax.microstax.ai/stub-credential"

// stubMount is where a stub's pod reads its credential.
const stubMount = "/etc/stax-stub"

const (
	stubKeyToken      = "token"
	stubKeyKubeconfig = "kubeconfig"
	stubVolume        = "stax-stub"
)

func stubSecretName(svc string) string { return svc + "-stub" }

// stubbed is plan with each stub service given the stax-stub image and its
// flags, as Apply writes it and Drift compares it.
func (r *Runtime) stubbed(plan runtime.Plan) runtime.Plan {
	out := plan
	out.Services = append([]runtime.ServicePlan(nil), plan.Services...)
	for i := range out.Services {
		s := &out.Services[i]
		if s.Stub == nil || len(s.Ports) == 0 {
			continue // Validate refuses a stub without a port
		}
		s.Image, s.Command = r.stubImage, nil
		s.Args = runtime.StubArgs(plan.Organization, s.Stub, stubMount+"/"+stubKeyKubeconfig, ":"+strconv.Itoa(int(s.Ports[0].Port)))
	}
	return out
}

// stubCredential is a stub service's credential Secret, freshly minted.
func (r *Runtime) stubCredential(ctx context.Context, plan runtime.Plan, s runtime.ServicePlan, ns string) (*corev1ac.SecretApplyConfiguration, error) {
	if r.stubAccess == nil {
		return nil, runtime.ErrNoStubAccess
	}
	cred, err := r.stubAccess.StubCredential(ctx, plan.Organization)
	if err != nil {
		return nil, err
	}
	kubeconfig, err := stubaccess.Kubeconfig(cred, plan.Organization, stubMount+"/"+stubKeyToken)
	if err != nil {
		return nil, err
	}
	labels := maps.Clone(serviceLabels(plan.Organization, plan.Environment, s.Name))
	labels[LabelManagedBy] = managedByValue
	return corev1ac.Secret(stubSecretName(s.Name), ns).WithLabels(labels).WithType(StubCredentialType).
		WithAnnotations(lifetimeAnnotations(cred)).
		WithStringData(map[string]string{stubKeyToken: cred.Token, stubKeyKubeconfig: string(kubeconfig)}), nil
}

// applyStubCredential writes a stub service's credential, or deletes one
// left from when the service was a stub.
func (r *Runtime) applyStubCredential(ctx context.Context, plan runtime.Plan, s runtime.ServicePlan, ns string) error {
	if s.Stub == nil {
		return r.deleteSecret(ctx, ns, stubSecretName(s.Name))
	}
	sec, err := r.stubCredential(ctx, plan, s, ns)
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Secrets(ns).Apply(ctx, sec, applyOptions)
	return err
}

// withStubMount mounts a stub service's credential into its pod.
func withStubMount(s runtime.ServicePlan, pod *corev1ac.PodSpecApplyConfiguration, c *corev1ac.ContainerApplyConfiguration) {
	if s.Stub == nil {
		return
	}
	c.WithVolumeMounts(corev1ac.VolumeMount().WithName(stubVolume).WithMountPath(stubMount).WithReadOnly(true))
	pod.WithVolumes(corev1ac.Volume().WithName(stubVolume).
		WithSecret(corev1ac.SecretVolumeSource().WithSecretName(stubSecretName(s.Name))))
}
