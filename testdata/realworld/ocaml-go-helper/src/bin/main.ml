let () =
  Hostnet.start ();
  print_endline "netbridge running"
