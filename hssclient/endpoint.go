package hssclient

import "strings"

// DefaultMetadataEndpoint is the ECS metadata service, which hands out
// temporary AK/SK to a VM bound to an IAM agency.
const DefaultMetadataEndpoint = "http://169.254.169.254"

// regionDomains names the regions whose endpoints do not live under
// myhuaweicloud.com: the European sovereign region has its own domain.
var regionDomains = map[string]string{
	"eu-west-101": "myhuaweicloud.eu",
}

// regionHost returns https://<service>.<region>.<domain>.
func regionHost(service, region string) string {
	region = strings.TrimSpace(region)
	domain, ok := regionDomains[region]
	if !ok {
		domain = "myhuaweicloud.com"
	}
	return "https://" + service + "." + region + "." + domain
}

// DefaultEndpoint returns the public HSS endpoint of region, e.g.
// https://hss.cn-north-4.myhuaweicloud.com.
func DefaultEndpoint(region string) string { return regionHost("hss", region) }

// DefaultIAMEndpoint returns the public IAM endpoint of region, e.g.
// https://iam.cn-north-4.myhuaweicloud.com.
func DefaultIAMEndpoint(region string) string { return regionHost("iam", region) }
