package main

import (
	"context"
	"encoding/base64"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// cluster is what a template's lookup sees of a cluster: the Secrets in
// it, by namespace/name. Only Get is answered; Helm's lookup of one
// object calls nothing else.
type cluster struct {
	dynamic.NamespaceableResourceInterface // nil: any other call panics
	secrets                                map[string]map[string]string
	namespace                              string
	gets                                   *int
}

func (c cluster) GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error) {
	if apiVersion != "v1" || kind != "Secret" {
		return nil, false, apierrors.NewBadRequest("the chart looks up Secrets only, not " + apiVersion + " " + kind)
	}
	return c, true, nil
}

func (c cluster) Namespace(ns string) dynamic.ResourceInterface {
	c.namespace = ns
	return c
}

func (c cluster) Get(_ context.Context, name string, _ metav1.GetOptions, _ ...string) (*unstructured.Unstructured, error) {
	*c.gets++
	data, ok := c.secrets[c.namespace+"/"+name]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
	}
	enc := map[string]any{}
	for k, v := range data {
		enc[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": name, "namespace": c.namespace},
		"data":     enc,
	}}, nil
}

// TestChartUpgradeKeepsToken: a token the chart generated at install is
// kept by an upgrade (the Secret is looked up), so the jobs holding it keep
// working; a token given in the values replaces it.
func TestChartUpgradeKeepsToken(t *testing.T) {
	const kept = "generated-at-install-0123456789abcdefghijklmnopqrstu"
	gets := 0
	c := cluster{gets: &gets, secrets: map[string]map[string]string{
		"testing/team-a": {"store": redisURL, "admin-token": kept},
	}}
	upgrade := func(release string, sets ...string) map[string]string {
		t.Helper()
		text, err := render(chartDir, options{release: release, namespace: "testing", cluster: c,
			values: valueOptions{sets: append([]string{"store.url=" + redisURL}, sets...)}})
		if err != nil {
			t.Fatal(err)
		}
		return rendered{objs: decode(t, []byte(text))}.secret(t)
	}
	if got := upgrade("team-a")["admin-token"]; got != kept {
		t.Errorf("upgrade: admin-token %q, want the one the install generated, %q", got, kept)
	}
	if gets == 0 {
		t.Error("the chart never looked the Secret up")
	}
	if got := upgrade("team-a", "adminToken=given-in-the-values-0123")["admin-token"]; got != "given-in-the-values-0123" {
		t.Errorf("upgrade with adminToken: %q", got)
	}
	// Another release in the namespace has no Secret yet: a new token.
	if got := upgrade("team-b")["admin-token"]; got == kept || len(got) != 48 {
		t.Errorf("install of team-b: admin-token %q, want a new random one", got)
	}
}
