{{/* The name of every object: the release name, or "devops-lead" in it. */}}
{{- define "devops-lead.fullname" -}}
{{- if contains "devops-lead" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-devops-lead" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "devops-lead.labels" -}}
app.kubernetes.io/name: devops-lead
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The image: repository@digest when a digest is set, else repository:tag. */}}
{{- define "devops-lead.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (required "set image.tag or image.digest" .Values.image.tag) -}}
{{- end -}}
{{- end -}}
