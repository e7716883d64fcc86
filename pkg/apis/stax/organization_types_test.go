package stax

import "testing"

func TestRequestsPerMinute(t *testing.T) {
	n := func(v int32) *int32 { return &v }
	for _, tc := range []struct {
		tier OrganizationTier
		own  *int32
		want int32
	}{
		{TierStandard, nil, StandardRequestsPerMinute},
		{"", nil, StandardRequestsPerMinute}, // not known yet
		{TierEnterprise, nil, StandardRequestsPerMinute},
		{TierEnterprise, n(150), 150},
		{TierEnterprise, n(0), StandardRequestsPerMinute}, // validation refuses it; never an open door
		{TierStandard, n(1000), StandardRequestsPerMinute},
	} {
		if got := RequestsPerMinute(tc.tier, tc.own); got != tc.want {
			t.Errorf("RequestsPerMinute(%q, %v) = %d, want %d", tc.tier, tc.own, got, tc.want)
		}
	}
}
