{{/* The pod of the Deployment and of the StatefulSet: the kustomize base's
pod (deploy/kubernetes/deployment.yaml), with the shard's flag and
environment when sharded. */}}
{{- define "hss-exporter.pod" -}}
metadata:
  labels:
    {{- include "hss-exporter.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- if or .Values.reload.rollOnChange .Values.podAnnotations }}
  annotations:
    {{- if .Values.reload.rollOnChange }}
    # reload.rollOnChange: every change of the configuration rolls the
    # pods. Off by default: the exporter reloads without a restart.
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  serviceAccountName: {{ include "hss-exporter.serviceAccountName" . }}
  # The exporter never calls the Kubernetes API; the OIDC token is a
  # volume of its own below.
  automountServiceAccountToken: false
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  containers:
    - name: hss-exporter
      image: "{{ .Values.image.repository }}:{{ include "hss-exporter.tag" . }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config.file=/etc/hss_exporter/config/hss.yml
        - --log.format={{ .Values.logFormat }}
        - --log.level={{ .Values.logLevel }}
        {{- if include "hss-exporter.webConfig" . }}
        - --web.config.file=/etc/hss_exporter/config/web.yml
        {{- end }}
        {{- if include "hss-exporter.sharded" . }}
        - --shard.from-pod-name
        {{- end }}
        {{- if .Values.storage.enabled }}
        - --storage.path=/var/lib/hss_exporter
        {{- end }}
        {{- if .Values.reload.sidecar.enabled }}
        # The sidecar below posts /-/reload, which answers 403 without it.
        - --web.enable-lifecycle
        {{- end }}
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      {{- if or (include "hss-exporter.sharded" .) .Values.extraEnv }}
      env:
        {{- if include "hss-exporter.sharded" . }}
        # Equal to the StatefulSet's replicas.
        - name: HSS_EXPORTER_TOTAL_SHARDS
          value: {{ .Values.shards | quote }}
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      ports:
        - name: http-metrics
          containerPort: 10867
          protocol: TCP
      # /healthz: 200 while the process serves; failing means a hung process.
      livenessProbe:
        httpGet:
          path: /healthz
          port: http-metrics
          scheme: {{ include "hss-exporter.scheme" . }}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 6
      # /readyz: 503 until every target had one good refresh, and while a
      # target's data is older than max_staleness. It never calls HSS.
      readinessProbe:
        httpGet:
          path: /readyz
          port: http-metrics
          scheme: {{ include "hss-exporter.scheme" . }}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      resources:
        {{- include "hss-exporter.resources" . | nindent 8 }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: /etc/hss_exporter/config
          readOnly: true
        {{- if .Values.credentials.existingSecret }}
        - name: secrets
          mountPath: /etc/hss_exporter/secrets
          readOnly: true
        {{- end }}
        {{- if .Values.credentials.oidc.enabled }}
        - name: oidc
          mountPath: /var/run/secrets/tokens
          readOnly: true
        {{- end }}
        {{- if .Values.web.tls.enabled }}
        - name: tls
          mountPath: /etc/hss_exporter/tls
          readOnly: true
        {{- end }}
        {{- if .Values.storage.enabled }}
        - name: storage
          mountPath: /var/lib/hss_exporter
        {{- end }}
    {{- include "hss-exporter.reloader" . | nindent 4 }}
  volumes:
    - name: config
      configMap:
        name: {{ include "hss-exporter.fullname" . }}
    {{- if .Values.credentials.existingSecret }}
    - name: secrets
      secret:
        secretName: {{ .Values.credentials.existingSecret }}
        defaultMode: 0440
    {{- end }}
    {{- if .Values.credentials.oidc.enabled }}
    - name: oidc
      projected:
        defaultMode: 0440
        sources:
          - serviceAccountToken:
              audience: {{ required "credentials.oidc.audience is required with credentials.oidc.enabled" .Values.credentials.oidc.audience | quote }}
              expirationSeconds: {{ .Values.credentials.oidc.expirationSeconds }}
              path: oidc-token
    {{- end }}
    {{- if .Values.web.tls.enabled }}
    - name: tls
      secret:
        secretName: {{ required "web.tls.existingSecret is required with web.tls.enabled" .Values.web.tls.existingSecret }}
        defaultMode: 0440
    {{- end }}
    {{- if and .Values.storage.enabled (not .Values.storage.persistent) }}
    - name: storage
      emptyDir:
        sizeLimit: {{ .Values.storage.size }}
    {{- else if and .Values.storage.enabled (not (include "hss-exporter.sharded" .)) }}
    - name: storage
      persistentVolumeClaim:
        claimName: {{ include "hss-exporter.fullname" . }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}


{{/* The configmap-reload sidecar: it watches the mounted ConfigMap and,
when the kubelet has swapped in a new version, posts /-/reload to the
exporter in the same pod, which applies the file without a restart. It
speaks plain HTTP without credentials, so TLS or basic auth on the
exporter's port refuse it: the chart says so rather than ship a sidecar
whose every post fails. */}}
{{- define "hss-exporter.reloader" -}}
{{- $r := .Values.reload.sidecar -}}
{{- if $r.enabled -}}
{{- if or .Values.web.tls.enabled (hasKey .Values.web.extraConfig "basic_auth_users") -}}
{{- fail "reload.sidecar posts /-/reload over plain HTTP without credentials, which web.tls.enabled or web.extraConfig.basic_auth_users refuse: set reload.sidecar.enabled=false, and reload.rollOnChange=true (with storage.persistent=true to keep the state across the roll) or POST /-/reload yourself" -}}
{{- end -}}
- name: config-reload
  image: "{{ $r.image.repository }}:{{ $r.image.tag }}"
  imagePullPolicy: {{ $r.image.pullPolicy }}
  args:
    - --volume-dir=/etc/hss_exporter/config
    - --webhook-url=http://127.0.0.1:10867/-/reload
    # Its own metrics stay inside the pod; the exporter's
    # hss_exporter_config_last_reload_successful says how a reload went.
    - --web.listen-address=127.0.0.1:9533
  {{- with $r.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: config
      mountPath: /etc/hss_exporter/config
      readOnly: true
{{- end -}}
{{- end -}}
