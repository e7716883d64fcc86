package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

// SetDefaults_ServiceSpec runs one replica unless told otherwise. A stub
// service serves HTTP on port 8080 unless it names its ports, and is ready
// when stax-stub says so unless it names a probe.
func SetDefaults_ServiceSpec(obj *ServiceSpec) {
	if obj.Replicas == nil {
		one := int32(1)
		obj.Replicas = &one
	}
	if obj.Stub == nil {
		return
	}
	if len(obj.Ports) == 0 {
		obj.Ports = []ServicePort{{Name: "http", Port: 8080, AppProtocol: AppProtocolHTTP}}
	}
	if obj.Health == nil {
		obj.Health = &HealthCheck{HTTP: &HTTPHealthCheck{Path: StubHealthPath, Port: intstr.FromString(obj.Ports[0].Name)}}
	}
}

// SetDefaults_ServicePort makes TCP the protocol, as Kubernetes does.
func SetDefaults_ServicePort(obj *ServicePort) {
	if obj.Protocol == "" {
		obj.Protocol = ProtocolTCP
	}
}

// SetDefaults_HealthCheck fills the probe period and threshold.
func SetDefaults_HealthCheck(obj *HealthCheck) {
	if obj.PeriodSeconds == 0 {
		obj.PeriodSeconds = 10
	}
	if obj.FailureThreshold == 0 {
		obj.FailureThreshold = 3
	}
}

// SetDefaults_OrganizationSpec puts new organizations on the standard tier.
func SetDefaults_OrganizationSpec(obj *OrganizationSpec) {
	if obj.Tier == "" {
		obj.Tier = TierStandard
	}
}

// SetDefaults_FederatedTokenRequestSpec gives federated tokens five minutes.
func SetDefaults_FederatedTokenRequestSpec(obj *FederatedTokenRequestSpec) {
	if obj.ExpirationSeconds == nil {
		five := int64(300)
		obj.ExpirationSeconds = &five
	}
}
