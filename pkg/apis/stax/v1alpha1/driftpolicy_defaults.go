package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultDriftGracePeriod is how long drift lasts before remediate
// restores the plan when the policy does not say.
const DefaultDriftGracePeriod = time.Minute

// SetDefaults_DriftPolicy makes off the mode and one minute the grace.
func SetDefaults_DriftPolicy(obj *DriftPolicy) {
	if obj.Mode == "" {
		obj.Mode = DriftOff
	}
	if obj.GracePeriod == nil {
		obj.GracePeriod = &metav1.Duration{Duration: DefaultDriftGracePeriod}
	}
}
