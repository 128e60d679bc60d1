package endpoint

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultEndpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		region, hss, iam string
	}{
		{"cn-north-4", "https://hss.cn-north-4.myhuaweicloud.com", "https://iam.cn-north-4.myhuaweicloud.com"},
		{"ap-southeast-1", "https://hss.ap-southeast-1.myhuaweicloud.com", "https://iam.ap-southeast-1.myhuaweicloud.com"},
		{"eu-west-101", "https://hss.eu-west-101.myhuaweicloud.eu", "https://iam.eu-west-101.myhuaweicloud.eu"},
		{"eu-west-0", "https://hss.eu-west-0.myhuaweicloud.com", "https://iam.eu-west-0.myhuaweicloud.com"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			require.Equal(t, tc.hss, HSS(tc.region))
			require.Equal(t, tc.iam, IAM(tc.region))
		})
	}
	require.Equal(t, "http://169.254.169.254", Metadata)
	require.Equal(t, "https://iam.myhuaweicloud.com", GlobalIAM)
}
