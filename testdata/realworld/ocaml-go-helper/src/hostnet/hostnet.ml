let start () = ()
