/**
 * Where the agent finds its cluster: an explicit kubeconfig (text or file), else KUBECONFIG, else the
 * in-cluster service account, else ~/.kube/config. client-node does the reading.
 */
import * as k8s from '@kubernetes/client-node';

export interface KubeConfigSource {
  /** kubeconfig YAML (as the simulated cluster hands it out) */
  kubeconfigText?: string;
  /** path to a kubeconfig file */
  kubeconfigPath?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadKubeConfig(src: KubeConfigSource = {}): k8s.KubeConfig {
  const env = src.env ?? process.env;
  const kc = new k8s.KubeConfig();
  if (src.kubeconfigText) kc.loadFromString(src.kubeconfigText);
  else if (src.kubeconfigPath) kc.loadFromFile(src.kubeconfigPath);
  else if (env.KUBECONFIG) kc.loadFromFile(env.KUBECONFIG.split(':')[0] ?? env.KUBECONFIG);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster in the kubeconfig');
  return kc;
}
