{{- define "needs.database" -}}
{{ required "the database host is required" .Values.database.host }}
{{- end }}
