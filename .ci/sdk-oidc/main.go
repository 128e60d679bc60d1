// Command sdk-oidc lists images through a stand-in HSS API with Huawei's
// official Go SDK authenticating by OIDC workload identity (WithIdpId,
// WithIdTokenFile, WithIamEndpointOverride), the way a pod on CCE would
// against Huawei Cloud. CI runs it against `hss_exporter --demo`, so the
// stand-in's IAM and signature checks are held to what the SDK sends and
// expects (an X-Request-Id on IAM answers, 201s, the temporary keys'
// security token), not only to what this project's client does.
//
// It is a module of its own so that the exporter's go.mod never carries
// the SDK.
//
// Usage: go run . -url http://127.0.0.1:9781 -idp hss-demo-idp -id-token hss-demo-id-token -project <id>
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	hss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/hss/v5"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/hss/v5/model"
)

func main() {
	url := flag.String("url", "", "base URL of the stand-in (HSS and IAM)")
	idp := flag.String("idp", "", "identity provider ID")
	idToken := flag.String("id-token", "", "ID token to write to the token file")
	project := flag.String("project", "", "project ID")
	flag.Parse()
	total, err := listImages(*url, *idp, *idToken, *project)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-oidc:", err)
		os.Exit(1)
	}
	fmt.Printf("sdk-oidc: the official SDK listed %d images with OIDC credentials\n", total)
}

func listImages(url, idp, idToken, project string) (int32, error) {
	if url == "" || idp == "" || idToken == "" || project == "" {
		return 0, errors.New("-url, -idp, -id-token and -project are required")
	}
	dir, err := os.MkdirTemp("", "sdk-oidc")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	tokenFile := filepath.Join(dir, "oidc-token")
	if err := os.WriteFile(tokenFile, []byte(idToken+"\n"), 0o600); err != nil {
		return 0, err
	}
	creds, err := basic.NewCredentialsBuilder().
		WithIdpId(idp).
		WithIdTokenFile(tokenFile).
		WithIamEndpointOverride(url).
		WithProjectId(project).
		SafeBuild()
	if err != nil {
		return 0, err
	}
	hc, err := hss.HssClientBuilder().WithEndpoints([]string{url}).WithCredential(creds).SafeBuild()
	if err != nil {
		return 0, err
	}
	eps, limit := "all_granted_eps", int32(200)
	resp, err := hss.NewHssClient(hc).ListImageLocal(&model.ListImageLocalRequest{EnterpriseProjectId: &eps, Limit: &limit})
	if err != nil {
		return 0, err
	}
	if resp.TotalNum == nil || *resp.TotalNum == 0 || resp.DataList == nil || len(*resp.DataList) == 0 {
		return 0, errors.New("the answer lists no image")
	}
	return *resp.TotalNum, nil
}
