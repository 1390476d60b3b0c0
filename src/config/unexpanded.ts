/**
 * A variable reference that nothing expanded, in a value from the environment: Kubernetes'
 * `$(NAME)` (a pod spec expands it only for a variable defined before it in the same container's
 * env — the OpenTelemetry Operator's `k8s.pod.name=$(POD_NAME)` among them), or a shell's
 * `${NAME}` (and, where a value cannot hold a `$` of its own, `$NAME`) in a value no shell read:
 * a systemd `Environment=` line, a Docker `--env-file`. Taken as written, it was a host name that
 * never resolved, a header the receiver refused, a resource attribute naming no pod.
 */
export interface UnexpandedReference {
  /** The reference as written: `$(POD_NAME)`, `${HOST}`. */
  readonly reference: string;
  /** The variable it names: `POD_NAME`. */
  readonly name: string;
  /** Said after the value: "with a Kubernetes reference $(HOST_IP) that was not expanded". */
  readonly found: string;
  readonly suggestion: string;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';

/**
 * The downward API field a variable of this name usually holds (`valueFrom: fieldRef: fieldPath: …`),
 * the first that matches: NAMESPACE before POD_NAME, which POD_NAMESPACE begins with (it was told
 * metadata.name).
 */
const FIELD_PATHS: readonly (readonly [RegExp, string])[] = [
  [/NAMESPACE/i, 'metadata.namespace'], [/POD_IP/i, 'status.podIP'], [/(HOST|NODE)_IP/i, 'status.hostIP'],
  [/POD_NAME/i, 'metadata.name'], [/NODE_NAME/i, 'spec.nodeName'], [/POD_UID/i, 'metadata.uid'],
];

const fieldOf = (name: string): string => {
  const path = FIELD_PATHS.find(([re]) => re.test(name))?.[1];
  return path === undefined ? '' : ` (valueFrom: fieldRef: fieldPath: ${path})`;
};

/** Kubernetes' `$(NAME)` in `text`, the first. */
export const kubernetesReference = (text: string): UnexpandedReference | undefined => {
  const k8s = new RegExp(`\\$\\((${NAME})\\)`).exec(text);
  if (k8s === null) return undefined;
  return {
    reference: k8s[0], name: k8s[1]!, found: `with a Kubernetes reference ${k8s[0]} that was not expanded`,
    suggestion: `a pod spec expands $(${k8s[1]}) only when ${k8s[1]} is defined earlier in the same container's env${fieldOf(k8s[1]!)}`,
  };
};

/** The first unexpanded reference in `text`; `bare`: a `$NAME` counts too (not where a secret may hold a `$`). */
export const unexpandedReference = (text: string, opts: { readonly bare?: boolean } = {}): UnexpandedReference | undefined => {
  const k8s = kubernetesReference(text);
  if (k8s !== undefined) return k8s;
  const shell = new RegExp(opts.bare === true ? `\\$\\{?(${NAME})\\}?` : `\\$\\{(${NAME})\\}`).exec(text);
  if (shell === null) return undefined;
  return {
    reference: shell[0], name: shell[1]!, found: `with a variable reference ${shell[0]} that nothing expanded`,
    suggestion: `a systemd Environment= line, a Docker --env-file or a Kubernetes value does not expand it: give the value itself, or write it in the config file, where chronoq expands \${${shell[1]}}`,
  };
};
