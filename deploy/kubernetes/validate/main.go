// Command validate decodes Kubernetes manifests strictly into the official API types (k8s.io/api), as an API server
// would: an unknown field, a duplicated field or a value of the wrong type is an error. It prints every object it
// decoded as one JSON line, {"file", "kind", "name", "object"}, for checks that need more than the types (mounts
// that name volumes, probes that point at served ports); the integration tests run those.
//
//	go run ./deploy/kubernetes/validate deploy/kubernetes/*.yaml deploy/kubernetes/example/*.yaml
//
// It exits 1, with one line per error naming the file and document, if any document does not decode.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kinds are the API types the manifests may use, by apiVersion and kind.
var kinds = map[metav1.TypeMeta]func() any{
	{APIVersion: "v1", Kind: "ConfigMap"}:       func() any { return &corev1.ConfigMap{} },
	{APIVersion: "v1", Kind: "Service"}:         func() any { return &corev1.Service{} },
	{APIVersion: "v1", Kind: "Pod"}:             func() any { return &corev1.Pod{} },
	{APIVersion: "apps/v1", Kind: "Deployment"}: func() any { return &appsv1.Deployment{} },
}

type decoded struct {
	File   string `json:"file"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Object any    `json:"object"`
}

// documents splits a YAML stream into its documents, leaving out empty ones.
func documents(data []byte) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

func decode(file string, doc []byte) (decoded, error) {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return decoded{}, err
	}
	make, ok := kinds[meta]
	if !ok {
		return decoded{}, fmt.Errorf("apiVersion %q kind %q is not a type this check knows", meta.APIVersion, meta.Kind)
	}
	object := make()
	if err := yaml.UnmarshalStrict(doc, object); err != nil {
		return decoded{}, err
	}
	name := object.(metav1.Object).GetName()
	if name == "" {
		return decoded{}, errors.New("metadata.name is empty")
	}
	return decoded{File: file, Kind: meta.Kind, Name: name, Object: object}, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: validate MANIFEST.yaml...")
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	failed := false
	for _, file := range os.Args[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			failed = true
			continue
		}
		docs, err := documents(data)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			failed = true
			continue
		}
		for i, doc := range docs {
			object, err := decode(file, doc)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: document %d: %v\n", file, i+1, err)
				failed = true
				continue
			}
			if err := out.Encode(object); err != nil {
				panic(err)
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}
