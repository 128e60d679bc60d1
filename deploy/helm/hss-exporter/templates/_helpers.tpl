{{/* The release's name for every object, at most 63 characters. */}}
{{- define "hss-exporter.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Whether the pods split the images between them. */}}
{{- define "hss-exporter.sharded" -}}
{{- if gt (int .Values.shards) 1 }}true{{ end -}}
{{- end -}}

{{/* The labels that select the pods; shards get a component of their own,
so a leftover Deployment's pod never counts as a shard. */}}
{{- define "hss-exporter.selectorLabels" -}}
app.kubernetes.io/name: hss-exporter
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if include "hss-exporter.sharded" . }}
app.kubernetes.io/component: shard
{{- end }}
{{- end -}}

{{- define "hss-exporter.labels" -}}
{{ include "hss-exporter.selectorLabels" . }}
app.kubernetes.io/part-of: hss-exporter
app.kubernetes.io/version: {{ include "hss-exporter.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "hss-exporter.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "hss-exporter.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "hss-exporter.fullname" .) -}}
{{- end -}}

{{/* URL scheme of the exporter's port. */}}
{{- define "hss-exporter.scheme" -}}
{{- if .Values.web.tls.enabled }}HTTPS{{ else }}HTTP{{ end -}}
{{- end -}}

{{/* The web config file, when there is one. */}}
{{- define "hss-exporter.webConfig" -}}
{{- $web := deepCopy .Values.web.extraConfig -}}
{{- if .Values.web.tls.enabled -}}
{{- $_ := set $web "tls_server_config" (dict "cert_file" "/etc/hss_exporter/tls/tls.crt" "key_file" "/etc/hss_exporter/tls/tls.key") -}}
{{- end -}}
{{- if $web }}{{ toYaml $web }}{{ end -}}
{{- end -}}

{{/* Memory in MiB: 512 per 100,000 containers, over the shards, at least
128 (the sizing in docs/design.md). */}}
{{- define "hss-exporter.memoryMiB" -}}
{{- $perShard := divf (mulf (float64 .Values.sizing.containers) 512.0) (mulf 100000.0 (float64 (max 1 (int .Values.shards)))) -}}
{{- max 128 (int (ceil $perShard)) -}}
{{- end -}}

{{- define "hss-exporter.resources" -}}
{{- if .Values.resources -}}
{{ toYaml .Values.resources }}
{{- else -}}
{{- $mem := printf "%sMi" (include "hss-exporter.memoryMiB" .) -}}
requests:
  cpu: 20m
  memory: {{ $mem }}
limits:
  cpu: 500m
  memory: {{ $mem }}
{{- end -}}
{{- end -}}

{{/* Fails the render when the configuration reads a file from the
credentials Secret but no Secret is named: the pod would start without
its key. The chart creates no Secret, so nothing it applies can
overwrite the user's. */}}
{{- define "hss-exporter.checkCredentials" -}}
{{- if not .Values.credentials.existingSecret -}}
{{- $ns := .Release.Namespace -}}
{{- range .Values.config.targets -}}
{{- if contains "/etc/hss_exporter/secrets/" (toYaml (.auth | default dict)) -}}
{{- fail (printf "credentials.existingSecret is empty, but target %q reads its credentials from /etc/hss_exporter/secrets/, where that Secret is mounted. Create the Secret (kubectl -n %s create secret generic hss-exporter-credentials --from-file=secret_key=./secret_key) and set credentials.existingSecret=hss-exporter-credentials; or use credentials.oidc or ECS agency credentials (auth: {metadata: true}) instead" (toString .name) $ns) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
