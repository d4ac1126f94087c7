# Conformance with MediaWiki 1.39 (docs/testing.md). For each wiki KIND-BACKEND a
# fixture builds the MediaWiki wiki and its oracle dumps once (cached in
# $DW_BUILD_DIR/conformance/ across runs while the inputs are unchanged); the
# export and import tests compare dumpworks with it. The sample-* tests skip
# (77) without ../shared. RESOURCE_LOCK keeps two tests off one MariaDB server.
foreach(kind sample gen)
  foreach(backend sqlite mariadb)
    set(w ${kind}-${backend})
    dw_integration_test(conformance_wiki_${w} conformance/build_wiki.sh TIMEOUT 900
      LABELS conformance mediawiki FIXTURES_SETUP conf_${w} RESOURCE_LOCK conf_${w})
    dw_integration_test(conformance_export_${w} conformance/export.sh TIMEOUT 600
      LABELS conformance mediawiki FIXTURES_REQUIRED conf_${w} RESOURCE_LOCK conf_${w})
    dw_integration_test(conformance_import_${w} conformance/import.sh TIMEOUT 600
      LABELS conformance mediawiki FIXTURES_REQUIRED conf_${w} RESOURCE_LOCK conf_${w})
    foreach(t wiki export import)
      set_property(TEST conformance_${t}_${w} APPEND PROPERTY ENVIRONMENT "DW_CONF_WIKI=${w}")
    endforeach()
  endforeach()
endforeach()
