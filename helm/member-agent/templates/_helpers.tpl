{{/* Chart name, possibly overridden. */}}
{{- define "caldera-member-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified name of the release's objects. */}}
{{- define "caldera-member-agent.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "caldera-member-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "caldera-member-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: member-agent
{{- end -}}

{{- define "caldera-member-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "caldera-member-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: caldera
{{- end -}}

{{- define "caldera-member-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "caldera-member-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the Redis URL, and its key. Fails when neither url nor existingSecret is set. */}}
{{- define "caldera-member-agent.redisSecretName" -}}
{{- if .Values.redis.existingSecret -}}
{{- .Values.redis.existingSecret -}}
{{- else -}}
{{- $_ := required "redis.url or redis.existingSecret is required: the agent receives placements and sends reports through the gateway's Redis" .Values.redis.url -}}
{{- include "caldera-member-agent.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "caldera-member-agent.redisSecretKey" -}}
{{- if .Values.redis.existingSecret -}}{{ .Values.redis.existingSecretKey }}{{- else -}}redis-url{{- end -}}
{{- end -}}

{{- define "caldera-member-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "caldera-member-agent.clusterName" -}}
{{- required "cluster.name is required: the member cluster's name in the federation" .Values.cluster.name -}}
{{- end -}}

{{- define "caldera-member-agent.leaseName" -}}
{{- default (include "caldera-member-agent.fullname" .) .Values.leaderElection.leaseName -}}
{{- end -}}
