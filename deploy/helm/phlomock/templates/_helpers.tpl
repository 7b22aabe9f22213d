{{/* The name of every object: the release's, so one namespace holds one fake per team. */}}
{{- define "phlomock.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* The labels the Deployment, the Service and the ServiceMonitor select on: never change them in an upgrade. */}}
{{- define "phlomock.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "phlomock.labels" -}}
{{ include "phlomock.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "phlomock.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The Secret the pods read store and admin-token from. */}}
{{- define "phlomock.secretName" -}}
{{- .Values.existingSecret | default (include "phlomock.fullname" .) -}}
{{- end }}

{{/* A memory quantity (N, NKi, NMi, NGi; values.schema.json allows these) in KiB. */}}
{{- define "phlomock.kib" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Gi" $q -}}{{ mul (trimSuffix "Gi" $q | atoi) 1048576 }}
{{- else if hasSuffix "Mi" $q -}}{{ mul (trimSuffix "Mi" $q | atoi) 1024 }}
{{- else if hasSuffix "Ki" $q -}}{{ trimSuffix "Ki" $q | atoi }}
{{- else -}}{{ div ($q | atoi) 1024 }}
{{- end -}}
{{- end }}

{{/* A CPU quantity (100m, 1, 1.5) in thousandths of a CPU. */}}
{{- define "phlomock.millicpu" -}}
{{- $q := toString . -}}
{{- if hasSuffix "m" $q -}}{{ trimSuffix "m" $q | atoi }}
{{- else -}}{{ mulf ($q | float64) 1000 | int }}
{{- end -}}
{{- end }}

{{/* GOMEMLIMIT: goMemLimit, else 25/32 of limits.memory (200MiB for 256Mi); "" without a memory limit. */}}
{{- define "phlomock.goMemLimit" -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) -}}
{{- if .Values.goMemLimit -}}
{{- .Values.goMemLimit -}}
{{- else if $limit -}}
{{- $kib := div (mul (include "phlomock.kib" $limit | atoi) 25) 32 -}}
{{- if eq (mod $kib 1024) 0 -}}{{ div $kib 1024 }}MiB{{- else -}}{{ $kib }}KiB{{- end -}}
{{- end -}}
{{- end }}

{{/* GOMEMLIMIT in KiB. */}}
{{- define "phlomock.goMemLimitKiB" -}}
{{- $v := include "phlomock.goMemLimit" . -}}
{{- if hasSuffix "GiB" $v -}}{{ mul (trimSuffix "GiB" $v | atoi) 1048576 }}
{{- else if hasSuffix "MiB" $v -}}{{ mul (trimSuffix "MiB" $v | atoi) 1024 }}
{{- else -}}{{ trimSuffix "KiB" $v | atoi }}
{{- end -}}
{{- end }}

{{/*
The rules values.schema.json cannot say, each failing the render with the
value to change. Included by every template, so `helm template` and
`helm install` stop before anything is applied.
*/}}
{{- define "phlomock.validate" -}}
{{- $v := .Values -}}
{{- if $v.existingSecret -}}
  {{- if or $v.store.url $v.adminToken -}}
    {{- fail "existingSecret is set: leave store.url and adminToken empty (the pods read both from that Secret's keys store and admin-token)" -}}
  {{- end -}}
{{- else if not $v.store.url -}}
  {{- fail "store.url is required: redis://[USER:PASSWORD@]HOST:PORT/DB (rediss:// for TLS), or memory with replicaCount 1; or set existingSecret to a Secret holding the keys store and admin-token" -}}
{{- end -}}
{{- if and (eq $v.store.url "memory") (gt (int $v.replicaCount) 1) -}}
  {{- fail (printf "store.url is memory with replicaCount %d: each replica would be a fake of its own (a transfer started on one is unknown on the next); use a Redis store, or replicaCount 1" (int $v.replicaCount)) -}}
{{- end -}}
{{- if and $v.adminToken (lt (len $v.adminToken) 16) -}}
  {{- fail (printf "adminToken has %d characters: at least 16 (or leave it empty for a random one)" (len $v.adminToken)) -}}
{{- end -}}
{{- range $kind := list "memory" "cpu" -}}
  {{- $req := dig "requests" $kind "" ($v.resources | default dict) -}}
  {{- $lim := dig "limits" $kind "" ($v.resources | default dict) -}}
  {{- if and $req $lim -}}
    {{- $tpl := ternary "phlomock.kib" "phlomock.millicpu" (eq $kind "memory") -}}
    {{- if gt (include $tpl $req | atoi) (include $tpl $lim | atoi) -}}
      {{- fail (printf "resources.requests.%s (%v) is above resources.limits.%s (%v)" $kind $req $kind $lim) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- $limit := dig "limits" "memory" "" ($v.resources | default dict) -}}
{{- if and $limit (ge (include "phlomock.goMemLimitKiB" . | atoi) (include "phlomock.kib" $limit | atoi)) -}}
  {{- fail (printf "goMemLimit %s is not below resources.limits.memory %s: the Go runtime would be killed before it collects; leave goMemLimit empty for 25/32 of the limit" (include "phlomock.goMemLimit" .) $limit) -}}
{{- end -}}
{{- $own := dict "PHLOMOCK_STORE" "store.url" "PHLOMOCK_STORE_PREFIX" "store.prefix" "PHLOMOCK_ADMIN_TOKEN" "adminToken" "PHLOMOCK_ADMIN_HOSTS" "adminHosts" "PHLOMOCK_ADMIN_ORIGINS" "adminOrigins" "PHLOMOCK_LOG_FORMAT" "logFormat" "PHLOMOCK_SCENARIO" "scenario or scenarioFiles" "GOMEMLIMIT" "goMemLimit" "PHLOMOCK_ADDR" "service.apiPort (the container listens on 8080)" "PHLOMOCK_ADMIN_ADDR" "service.adminPort (the container listens on 8081)" -}}
{{- range $name := keys $v.extraEnv | sortAlpha -}}
  {{- if hasKey $own $name -}}
    {{- fail (printf "extraEnv.%s: the chart sets %s itself; set %s instead" $name $name (get $own $name)) -}}
  {{- end -}}
{{- end -}}
{{- if eq (int $v.service.apiPort) (int $v.service.adminPort) -}}
  {{- fail (printf "service.apiPort and service.adminPort are both %d: the API and the control plane need a port each" (int $v.service.apiPort)) -}}
{{- end -}}
{{- end }}
