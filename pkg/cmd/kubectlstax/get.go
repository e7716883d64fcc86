package kubectlstax

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// tableAccept asks the server for its Table of the resource, as kubectl
// get does, so the columns are the server's (pkg/registry/stax/environment/table.go).
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

func newGetCommand(o *Options) *cobra.Command {
	var (
		output        string
		noHeaders     bool
		allNamespaces bool
	)
	cmd := &cobra.Command{
		Use:   "get [ENV]",
		Short: "List environments (or show one) with the server's columns",
		Example: `  kubectl stax get
  kubectl stax get demo -o wide
  kubectl stax get -A -o yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("get takes at most one environment name, got %d", len(args))
			}
			switch output {
			case "", "wide", "json", "yaml", "name":
			default:
				return usageError("unknown output format %q: use one of wide, json, yaml, name", output)
			}
			return nil
		},
		ValidArgsFunction: o.completeEnvironments,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				return o.get(cmd.Context(), name, output, noHeaders, allNamespaces)
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: wide, json, yaml or name (default: the server's table)")
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "print the table without its heading")
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "list the environments of every namespace")
	return cmd
}

func (o *Options) get(ctx context.Context, name, output string, noHeaders, allNamespaces bool) error {
	ns, err := o.namespace()
	if err != nil {
		return err
	}
	if allNamespaces {
		if name != "" {
			return usageError("an environment name cannot be combined with --all-namespaces")
		}
		ns = metav1.NamespaceAll
	}
	client, err := o.client()
	if err != nil {
		return err
	}
	switch output {
	case "", "wide":
		req := client.StaxV1alpha1().RESTClient().Get().Namespace(ns).Resource("environments").SetHeader("Accept", tableAccept)
		if name != "" {
			req = req.Name(name)
		}
		raw, err := req.Do(ctx).Raw()
		if err != nil {
			return explain(statusOf(raw, err), ns, name)
		}
		table, err := decodeTable(raw)
		if err != nil {
			return err
		}
		if len(table.Rows) == 0 {
			fmt.Fprintf(o.ErrOut, "No environments found in namespace %q.\n", ns)
			return nil
		}
		p := printers.NewTablePrinter(printers.PrintOptions{Wide: output == "wide", NoHeaders: noHeaders, WithNamespace: allNamespaces})
		return p.PrintObj(table, o.Out)
	}
	envs := client.StaxV1alpha1().Environments(ns)
	var obj runtime.Object
	if name != "" {
		env, err := envs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return explain(err, ns, name)
		}
		env.SetGroupVersionKind(staxv1.SchemeGroupVersion.WithKind("Environment"))
		obj = env
	} else {
		list, err := envs.List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		list.SetGroupVersionKind(staxv1.SchemeGroupVersion.WithKind("EnvironmentList"))
		for i := range list.Items {
			list.Items[i].SetGroupVersionKind(staxv1.SchemeGroupVersion.WithKind("Environment"))
		}
		obj = list
	}
	if output == "name" {
		return printNames(obj, o.Out)
	}
	var p printers.ResourcePrinter = &printers.JSONPrinter{}
	if output == "yaml" {
		p = &printers.YAMLPrinter{}
	}
	return p.PrintObj(obj, o.Out)
}

// printNames prints resource/name of obj or of each item of a list (the
// name printer takes no lists).
func printNames(obj runtime.Object, w io.Writer) error {
	p := &printers.NamePrinter{}
	list, ok := obj.(*staxv1.EnvironmentList)
	if !ok {
		return p.PrintObj(obj, w)
	}
	for i := range list.Items {
		if err := p.PrintObj(&list.Items[i], w); err != nil {
			return err
		}
	}
	return nil
}

// statusOf is the server's Status in body, if it is one, else err. With
// the Table media type asked for, client-go does not decode an error's
// Status (a 403 reads "unknown"), though the body is a plain JSON Status.
func statusOf(body []byte, err error) error {
	status := &metav1.Status{}
	if json.Unmarshal(body, status) != nil || status.Kind != "Status" || status.Status != metav1.StatusFailure {
		return err
	}
	return apierrors.FromObject(status)
}

// decodeTable reads the server's Table, with each row's object (its
// metadata, the server's default) decoded so the printer can add the
// namespace column.
func decodeTable(raw []byte) (*metav1.Table, error) {
	table := &metav1.Table{}
	if err := json.Unmarshal(raw, table); err != nil {
		return nil, fmt.Errorf("the server did not answer with a Table: %v", err)
	}
	if table.Kind != "Table" {
		return nil, fmt.Errorf("the server answered with a %q, not a Table", table.Kind)
	}
	for i := range table.Rows {
		if raw := table.Rows[i].Object.Raw; len(raw) > 0 {
			m := &metav1.PartialObjectMetadata{}
			if err := json.Unmarshal(raw, m); err == nil {
				table.Rows[i].Object.Object = m
			}
		}
	}
	return table, nil
}
