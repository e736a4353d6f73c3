{{/* Chart name, possibly overridden. */}}
{{- define "caldera-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified name of the release's objects. */}}
{{- define "caldera-gateway.fullname" -}}
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

{{- define "caldera-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "caldera-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end -}}

{{- define "caldera-gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "caldera-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: caldera
{{- end -}}

{{- define "caldera-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "caldera-gateway.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the Redis URL, and its key. Fails when neither url nor existingSecret is set. */}}
{{- define "caldera-gateway.redisSecretName" -}}
{{- if .Values.redis.existingSecret -}}
{{- .Values.redis.existingSecret -}}
{{- else -}}
{{- $_ := required "redis.url or redis.existingSecret is required: the gateway keeps all its state in Redis" .Values.redis.url -}}
{{- include "caldera-gateway.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "caldera-gateway.redisSecretKey" -}}
{{- if .Values.redis.existingSecret -}}{{ .Values.redis.existingSecretKey }}{{- else -}}redis-url{{- end -}}
{{- end -}}

{{/* The Secret holding the tokens file, and its key. Fails when neither tokens nor existingSecret is set. */}}
{{- define "caldera-gateway.tokensSecretName" -}}
{{- if .Values.auth.existingSecret -}}
{{- .Values.auth.existingSecret -}}
{{- else -}}
{{- if not .Values.auth.tokens -}}
{{- fail "auth.tokens or auth.existingSecret is required: the gateway serves its API only to bearer tokens" -}}
{{- end -}}
{{- include "caldera-gateway.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "caldera-gateway.tokensSecretKey" -}}
{{- if .Values.auth.existingSecret -}}{{ .Values.auth.existingSecretKey }}{{- else -}}tokens.yaml{{- end -}}
{{- end -}}

{{- define "caldera-gateway.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
