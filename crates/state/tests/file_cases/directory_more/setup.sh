mkdir -p kids/sub && echo a > kids/a && chmod 644 kids/a && chmod 755 kids kids/sub
mkdir -p logs && echo 1 > logs/app.log && echo 2 > logs/app.txt
mkdir -p byid && echo x > byid/extra && echo y > byid/kept.txt
