// Package endpoint knows where Huawei Cloud's services answer when the
// configuration names no endpoint: the regional HSS and IAM hosts, IAM's
// global endpoint and the ECS metadata service. It imports nothing of
// the project, so the config loader and the HSS client both ask it
// rather than each keeping a copy.
package endpoint

import "strings"

// Metadata is the ECS metadata service, which hands out temporary AK/SK
// to a VM bound to an IAM agency.
const Metadata = "http://169.254.169.254"

// GlobalIAM is the IAM endpoint Huawei's SDK exchanges ID tokens at when
// none is given: the global one, valid for every region.
const GlobalIAM = "https://iam.myhuaweicloud.com"

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

// HSS returns the public HSS endpoint of region, e.g.
// https://hss.cn-north-4.myhuaweicloud.com.
func HSS(region string) string { return regionHost("hss", region) }

// IAM returns the public IAM endpoint of region, e.g.
// https://iam.cn-north-4.myhuaweicloud.com.
func IAM(region string) string { return regionHost("iam", region) }
